import { randomUUID } from 'node:crypto';
import { queryPrepared } from '../../src/repositories/db';
import { GRANTS_CROSSING, TRAVELLING_FACTORS } from '../../src/repositories/exchange-entry';
import type { AuthenticationFactor } from '../../src/repositories/session.repository';
import { decideAuthentication } from '../../src/services/authentication-policy';
import { factors, transfersAcrossOrganizations } from '../../src/services/auth/factors';
import { useScratchDatabase } from '../helpers/database';

/**
 * The exchange statement decides its common case in SQL (GRANTS_CROSSING)
 * while TypeScript's policy stays the authority: whatever SQL grants, the
 * policy must grant too, for every organization policy, member state and set
 * of factors; and over the case it is meant to cover (email factors into an
 * active, verified member of another proof) it must grant exactly what the
 * policy grants, or the fast path would silently stop being taken.
 */
describe('the exchange grant decided in SQL', () => {
  const knex = useScratchDatabase();

  const oauth: AuthenticationFactor = { type: 'oauth', delivery_method: 'oauth_google', last_authenticated_at: '2026-12-03T00:00:00Z' };
  const FACTOR_SETS: Record<string, AuthenticationFactor[]> = {
    none: [],
    'magic link': [factors.magicLink('email-1', 'ada@corp.com')],
    'email otp': [factors.emailOtp('email-1', 'ada@corp.com')],
    'sms otp': [factors.smsOtp('phone-1', '+15555550100')],
    totp: [factors.totp('totp-1')],
    'magic link + totp': [factors.magicLink('email-1', 'ada@corp.com'), factors.totp('totp-1')],
    'totp + email otp + recovery code': [factors.totp('totp-1'), factors.emailOtp('email-1', 'a@b.c'), factors.recoveryCode('rc-1')],
    'google oauth': [oauth],
    sso: [factors.sso('saml', { id: 'reg-1', provider_id: 'conn-1', external_id: 'ada' })],
    'sso + magic link': [factors.sso('oidc', { id: 'reg-1', provider_id: 'conn-1', external_id: 'ada' }), factors.magicLink('e', 'a@b.c')],
  };
  const ALLOWED = [[], ['magic_link'], ['email_otp'], ['sso'], ['magic_link', 'email_otp'], ['google_oauth']];

  interface Case {
    n: number;
    factors: string;
    /** The prior's member: another one, this one, or none (a discovery intermediate session). */
    prior: 'other' | 'same' | 'none';
    auth_methods: string;
    allowed_auth_methods: string[];
    mfa_policy: string;
    mfa_methods: string;
    status: string;
    email_address_verified: boolean;
    mfa_enrolled: boolean;
    is_breakglass: boolean;
  }

  function* cases(): Generator<Case> {
    let n = 0;
    for (const factorSet of Object.keys(FACTOR_SETS))
      for (const prior of ['other', 'same', 'none'] as const)
        for (const auth_methods of ['ALL_ALLOWED', 'RESTRICTED'])
          for (const allowed_auth_methods of ALLOWED)
            for (const mfa_policy of ['OPTIONAL', 'REQUIRED_FOR_ALL'])
              for (const mfa_methods of ['ALL_ALLOWED', 'RESTRICTED'])
                for (const status of ['active', 'invited', 'pending'])
                  for (const email_address_verified of [true, false])
                    for (const mfa_enrolled of [false, true])
                      for (const is_breakglass of [false, true])
                        yield {
                          n: n++,
                          factors: factorSet,
                          prior,
                          auth_methods,
                          allowed_auth_methods,
                          mfa_policy,
                          mfa_methods,
                          status,
                          email_address_verified,
                          mfa_enrolled,
                          is_breakglass,
                        };
  }

  /** GRANTS_CROSSING and TRAVELLING_FACTORS of every case, in one statement over the aliases they expect. */
  async function decidedInSql(all: Case[]): Promise<Map<number, { allowed: boolean; carried: AuthenticationFactor[] }>> {
    const memberId = randomUUID();
    const rows = all.map((c) => ({
      ...c,
      prior_factors: FACTOR_SETS[c.factors],
      prior_member: { same: memberId, other: randomUUID(), none: null }[c.prior],
    }));
    // On a pg connection, as the repositories run them: jsonpath's `?` is no binding there.
    const decided = await queryPrepared<{ n: number; allowed: boolean; carried: AuthenticationFactor[] }>(
      knex(),
      'exchange-grant-cases',
      `SELECT c.n, coalesce(${GRANTS_CROSSING}, false) AS allowed, ${TRAVELLING_FACTORS} AS carried
         FROM jsonb_to_recordset($1::jsonb) AS c(n int, prior_factors jsonb, prior_member uuid, auth_methods text,
              allowed_auth_methods text[], mfa_policy text, status text, email_address_verified boolean, mfa_enrolled boolean,
              is_breakglass boolean),
         LATERAL (SELECT c.prior_factors AS authentication_factors, c.prior_member AS member_id) prior,
         LATERAL (SELECT c.auth_methods, c.allowed_auth_methods, c.mfa_policy) o,
         LATERAL (SELECT $2::uuid AS id, c.status, c.email_address_verified, c.mfa_enrolled, c.is_breakglass) m`,
      [JSON.stringify(rows), memberId],
    );
    return new Map(decided.map((d) => [d.n, d]));
  }

  /** What TypeScript decides for the same case as a crossing (AuthenticationFlow.enterDirectly with MembershipEntry.entersAsIs). */
  function decidedInTypeScript(c: Case): { grants: boolean; carried: AuthenticationFactor[] } {
    const carried = FACTOR_SETS[c.factors].filter(transfersAcrossOrganizations);
    const organization = { ...c, allowed_mfa_methods: [] };
    const grants = decideAuthentication(organization, c, carried).grant === 'session';
    return { grants, carried };
  }

  it('grants only what the policy grants, and all of it where it applies', async () => {
    const all = [...cases()];
    const sql = await decidedInSql(all);
    let granted = 0;
    for (const c of all) {
      const inSql = sql.get(c.n)!;
      const inTs = decidedInTypeScript(c);
      const label = JSON.stringify(c);
      // The same factors travel either way.
      expect({ label, carried: inSql.carried }).toEqual({ label, carried: inTs.carried });
      // Sound: never a session the policy would refuse, never into the proof's own member, an inactive or unverified one.
      if (inSql.allowed) {
        expect({ label, grants: inTs.grants }).toEqual({ label, grants: true });
        expect({ label, same: c.prior === 'same', status: c.status, verified: c.email_address_verified }).toEqual({
          label,
          same: false,
          status: 'active',
          verified: true,
        });
        granted++;
      }
      // Complete over its domain: another proof's email factors entering an active, verified member.
      const emailOnly = inTs.carried.length > 0 && inTs.carried.every((f) => f.type !== 'oauth');
      if (c.prior !== 'same' && c.status === 'active' && c.email_address_verified && emailOnly) {
        expect({ label, allowed: inSql.allowed }).toEqual({ label, allowed: inTs.grants });
      }
    }
    expect(granted).toBeGreaterThan(100);
  });
});
