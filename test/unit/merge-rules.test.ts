import { emailVariantRules, mergedMember, type MergeableMember } from '../../src/services/merge-rules';

/** A member with nothing set beyond what the test names. */
function member(fields: Partial<MergeableMember> = {}): MergeableMember {
  return {
    status: 'active',
    name: '',
    external_id: null,
    default_mfa_method: '',
    mfa_phone_number: '',
    mfa_phone_number_verified: false,
    mfa_enrolled: false,
    roles: [],
    trusted_metadata: {},
    untrusted_metadata: {},
    ...fields,
  };
}

describe('mergedMember', () => {
  it("keeps the primary's own values over the duplicates'", () => {
    const merged = mergedMember(member({ name: 'Ada', external_id: 'ada-1', default_mfa_method: 'totp' }), [
      member({ name: 'Ada L.', external_id: 'ada-2', default_mfa_method: 'sms_otp' }),
    ]);
    expect([merged.name, merged.external_id, merged.default_mfa_method]).toEqual(['Ada', 'ada-1', 'totp']);
  });

  it('fills what the primary lacks from the first duplicate that has it', () => {
    const merged = mergedMember(member(), [
      member({ name: 'First' }),
      member({ name: 'Second', external_id: 'ext-2', default_mfa_method: 'sms_otp' }),
    ]);
    expect([merged.name, merged.external_id, merged.default_mfa_method]).toEqual(['First', 'ext-2', 'sms_otp']);
  });

  it("keeps the primary's empty values when no duplicate has one", () => {
    const merged = mergedMember(member(), [member()]);
    expect([merged.name, merged.external_id, merged.mfa_phone_number, merged.mfa_phone_number_verified]).toEqual(['', null, '', false]);
  });

  it('takes the phone number and its verification from the same member', () => {
    const merged = mergedMember(member({ mfa_phone_number_verified: true }), [
      member({ mfa_phone_number: '+15550001111', mfa_phone_number_verified: false }),
      member({ mfa_phone_number: '+15550002222', mfa_phone_number_verified: true }),
    ]);
    expect([merged.mfa_phone_number, merged.mfa_phone_number_verified]).toEqual(['+15550001111', false]);
  });

  it('requires MFA if any merged member did', () => {
    expect(mergedMember(member(), [member(), member({ mfa_enrolled: true })]).mfa_enrolled).toBe(true);
    expect(mergedMember(member(), [member()]).mfa_enrolled).toBe(false);
  });

  it('takes the most advanced status: active over invited over pending', () => {
    expect(mergedMember(member({ status: 'pending' }), [member({ status: 'invited' })]).status).toBe('invited');
    expect(mergedMember(member({ status: 'invited' }), [member({ status: 'pending' }), member({ status: 'active' })]).status).toBe(
      'active',
    );
    expect(mergedMember(member({ status: 'active' }), [member({ status: 'pending' })]).status).toBe('active');
  });

  it("unites the roles, the primary's first, without repeats", () => {
    const merged = mergedMember(member({ roles: ['billing', 'stytch_admin'] }), [
      member({ roles: ['stytch_admin', 'support'] }),
      member({ roles: ['audit'] }),
    ]);
    expect(merged.roles).toEqual(['billing', 'stytch_admin', 'support', 'audit']);
  });

  it("merges metadata key by key: the primary's keys win, then earlier duplicates over later ones", () => {
    const merged = mergedMember(member({ trusted_metadata: { plan: 'pro' }, untrusted_metadata: { theme: 'dark' } }), [
      member({ trusted_metadata: { plan: 'free', seat: 1 }, untrusted_metadata: { lang: 'fr' } }),
      member({ trusted_metadata: { seat: 2, region: 'eu' }, untrusted_metadata: { lang: 'de', theme: 'light' } }),
    ]);
    expect(merged.trusted_metadata).toEqual({ plan: 'pro', seat: 1, region: 'eu' });
    expect(merged.untrusted_metadata).toEqual({ theme: 'dark', lang: 'fr' });
  });

  it('leaves its inputs untouched', () => {
    const primary = member({ roles: ['billing'], trusted_metadata: { plan: 'pro' } });
    const duplicate = member({ roles: ['support'], trusted_metadata: { seat: 1 } });
    mergedMember(primary, [duplicate]);
    expect([primary.roles, primary.trusted_metadata, duplicate.trusted_metadata]).toEqual([['billing'], { plan: 'pro' }, { seat: 1 }]);
  });
});

describe('emailVariantRules', () => {
  it('normalizes and deduplicates the domains, allowing common consumer domains', () => {
    expect(emailVariantRules([{ domains: [' Gmail.com', 'googlemail.COM', 'gmail.com'] }])[0].domains).toEqual([
      'gmail.com',
      'googlemail.com',
    ]);
  });

  it('turns both variant flags off unless asked', () => {
    expect(emailVariantRules([{ domains: ['acme.com'] }, { domains: ['corp.com'], ignore_dots: true, ignore_plus_tags: true }])).toEqual([
      { domains: ['acme.com'], ignore_dots: false, ignore_plus_tags: false },
      { domains: ['corp.com'], ignore_dots: true, ignore_plus_tags: true },
    ]);
  });
});
