import type { ScanInput } from '../contracts/deduplication';
import type { EmailVariantRule } from '../jobs';
import type { MemberModel, MemberStatus } from '../models/member.model';
import { normalizeDomains } from './organization-rules';

/**
 * How a merge combines members: the primary survives and keeps its own values,
 * duplicates only fill what the primary lacks. Pure, so the rules are tested
 * without a database.
 */

/** The member fields a merge reads. */
export type MergeableMember = Pick<
  MemberModel,
  | 'status'
  | 'name'
  | 'external_id'
  | 'default_mfa_method'
  | 'mfa_phone_number'
  | 'mfa_phone_number_verified'
  | 'mfa_enrolled'
  | 'roles'
  | 'trusted_metadata'
  | 'untrusted_metadata'
>;

/** Email-variant rules as stored: domains normalized (common consumer domains allowed), flags defaulted off. */
export function emailVariantRules(rules: NonNullable<ScanInput['rules']>): EmailVariantRule[] {
  return rules.map((rule) => ({
    domains: normalizeDomains('domains', rule.domains, true),
    ignore_dots: rule.ignore_dots ?? false,
    ignore_plus_tags: rule.ignore_plus_tags ?? false,
  }));
}

const STATUS_RANK: Record<MemberStatus, number> = { deleted: 0, pending: 1, invited: 2, active: 3 };

/** Metadata of a merge: the primary's keys win, duplicates fill the gaps (earlier duplicates first). */
function foldMetadata(primary: Record<string, unknown>, duplicates: Record<string, unknown>[]): Record<string, unknown> {
  return Object.assign({}, ...[...duplicates].reverse(), primary);
}

/** The primary as it will be after the merge. */
export function mergedMember(primary: MergeableMember, duplicates: MergeableMember[]) {
  const fill = <K extends 'name' | 'mfa_phone_number' | 'external_id' | 'default_mfa_method'>(key: K): MergeableMember[K] =>
    primary[key] || duplicates.find((d) => d[key])?.[key] || primary[key];
  const phoneFrom = primary.mfa_phone_number ? primary : duplicates.find((d) => d.mfa_phone_number);
  return {
    name: fill('name'),
    external_id: fill('external_id'),
    default_mfa_method: fill('default_mfa_method'),
    mfa_phone_number: phoneFrom?.mfa_phone_number ?? '',
    mfa_phone_number_verified: phoneFrom?.mfa_phone_number_verified ?? false,
    // Security settings only ever tighten: a merged account needs MFA if any part did.
    mfa_enrolled: primary.mfa_enrolled || duplicates.some((d) => d.mfa_enrolled),
    status: [primary, ...duplicates].reduce((best, m) => (STATUS_RANK[m.status] > STATUS_RANK[best] ? m.status : best), primary.status),
    roles: [...new Set([primary, ...duplicates].flatMap((m) => m.roles))],
    trusted_metadata: foldMetadata(
      primary.trusted_metadata,
      duplicates.map((d) => d.trusted_metadata),
    ),
    untrusted_metadata: foldMetadata(
      primary.untrusted_metadata,
      duplicates.map((d) => d.untrusted_metadata),
    ),
  };
}
