import { decideAuthentication } from '../../src/services/authentication-policy';

const organization = (overrides: Partial<{ auth_methods: string; allowed_auth_methods: string[]; mfa_policy: string }> = {}) => ({
  auth_methods: 'ALL_ALLOWED',
  allowed_auth_methods: [],
  mfa_policy: 'OPTIONAL',
  ...overrides,
});
const member = (overrides: Partial<{ is_breakglass: boolean; mfa_enrolled: boolean; mfa_phone_number: string }> = {}) => ({
  is_breakglass: false,
  mfa_enrolled: false,
  mfa_phone_number: '',
  ...overrides,
});
const restricted = organization({ auth_methods: 'RESTRICTED', allowed_auth_methods: ['sso', 'password'] });

describe('the authentication policy', () => {
  it('grants a session when the organization accepts the factor and asks for no MFA', () => {
    expect(decideAuthentication(organization(), member(), 'magic_link')).toEqual({ grant: 'session' });
  });

  it('grants a session for a factor a RESTRICTED organization allows', () => {
    expect(decideAuthentication(restricted, member(), 'sso')).toEqual({ grant: 'session' });
  });

  it('requires another primary factor, naming the allowed ones, when a RESTRICTED organization does not allow this one', () => {
    expect(decideAuthentication(restricted, member(), 'magic_link')).toEqual({
      grant: 'primary_required',
      allowedAuthMethods: ['sso', 'password'],
    });
  });

  it('lets a break-glass member past the allowed methods', () => {
    expect(decideAuthentication(restricted, member({ is_breakglass: true }), 'magic_link')).toEqual({ grant: 'session' });
  });

  it('requires MFA of everyone when the organization says REQUIRED_FOR_ALL, with the member’s phone number', () => {
    const decision = decideAuthentication(
      organization({ mfa_policy: 'REQUIRED_FOR_ALL' }),
      member({ mfa_phone_number: '+15555550100' }),
      'magic_link',
    );
    expect(decision).toEqual({ grant: 'mfa_required', mfaPhoneNumber: '+15555550100' });
  });

  it('requires MFA of an enrolled member under an OPTIONAL policy', () => {
    expect(decideAuthentication(organization(), member({ mfa_enrolled: true }), 'magic_link').grant).toBe('mfa_required');
  });

  it('requires MFA of a break-glass member too: break-glass skips method restrictions, not MFA', () => {
    const mfaOrg = { ...restricted, mfa_policy: 'REQUIRED_FOR_ALL' };
    expect(decideAuthentication(mfaOrg, member({ is_breakglass: true }), 'magic_link').grant).toBe('mfa_required');
  });

  it('asks for the primary factor before MFA when both are missing', () => {
    const mfaOrg = { ...restricted, mfa_policy: 'REQUIRED_FOR_ALL' };
    expect(decideAuthentication(mfaOrg, member(), 'magic_link').grant).toBe('primary_required');
  });
});
