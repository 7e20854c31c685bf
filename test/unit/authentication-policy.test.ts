import { factors } from '../../src/services/auth/factors';
import { allowsMfaMethod, decideAuthentication, type PolicyOrganization } from '../../src/services/authentication-policy';

const organization = (overrides: Partial<PolicyOrganization> = {}): PolicyOrganization => ({
  auth_methods: 'ALL_ALLOWED',
  allowed_auth_methods: [],
  mfa_policy: 'OPTIONAL',
  mfa_methods: 'ALL_ALLOWED',
  allowed_mfa_methods: [],
  ...overrides,
});
const member = (overrides: Partial<{ is_breakglass: boolean; mfa_enrolled: boolean }> = {}) => ({
  is_breakglass: false,
  mfa_enrolled: false,
  ...overrides,
});
const restricted = organization({ auth_methods: 'RESTRICTED', allowed_auth_methods: ['sso', 'password'] });
const link = factors.magicLink('email-test-x', 'ada@example.com');
const emailOtp = factors.emailOtp('email-test-x', 'ada@example.com');
const sso = { type: 'sso', delivery_method: 'sso_saml', last_authenticated_at: '2026-12-02T00:00:00Z' };
const totp = factors.totp('member-totp-test-x');
const sms = factors.smsOtp('phone-number-test-x', '+15555550100');

describe('the authentication policy', () => {
  it('grants a session when the organization accepts the factor and asks for no MFA', () => {
    expect(decideAuthentication(organization(), member(), [link])).toEqual({ grant: 'session' });
    expect(decideAuthentication(organization(), member(), [emailOtp])).toEqual({ grant: 'session' });
  });

  it('grants a session for a factor a RESTRICTED organization allows', () => {
    expect(decideAuthentication(restricted, member(), [sso])).toEqual({ grant: 'session' });
  });

  it('requires another primary factor, naming the allowed ones, when a RESTRICTED organization does not allow this one', () => {
    expect(decideAuthentication(restricted, member(), [link])).toEqual({
      grant: 'primary_required',
      allowedAuthMethods: ['sso', 'password'],
    });
  });

  it('tells email OTP from magic links: allowing one does not allow the other', () => {
    const linksOnly = organization({ auth_methods: 'RESTRICTED', allowed_auth_methods: ['magic_link'] });
    expect(decideAuthentication(linksOnly, member(), [link]).grant).toBe('session');
    expect(decideAuthentication(linksOnly, member(), [emailOtp]).grant).toBe('primary_required');
  });

  it('lets a break-glass member past the allowed methods', () => {
    expect(decideAuthentication(restricted, member({ is_breakglass: true }), [link])).toEqual({ grant: 'session' });
  });

  it('requires MFA of everyone when the organization says REQUIRED_FOR_ALL', () => {
    expect(decideAuthentication(organization({ mfa_policy: 'REQUIRED_FOR_ALL' }), member(), [link])).toEqual({ grant: 'mfa_required' });
  });

  it('requires MFA of an enrolled member under an OPTIONAL policy', () => {
    expect(decideAuthentication(organization(), member({ mfa_enrolled: true }), [link]).grant).toBe('mfa_required');
  });

  it('grants a session once a primary and an MFA factor are both proved', () => {
    const mfaOrg = organization({ mfa_policy: 'REQUIRED_FOR_ALL' });
    expect(decideAuthentication(mfaOrg, member(), [link, totp]).grant).toBe('session');
    expect(decideAuthentication(mfaOrg, member(), [link, sms]).grant).toBe('session');
    expect(decideAuthentication(mfaOrg, member(), [link, factors.recoveryCode('recovery-code-test-x')]).grant).toBe('session');
  });

  it('does not count an MFA method the organization restricts away', () => {
    const totpOnly = organization({ mfa_policy: 'REQUIRED_FOR_ALL', mfa_methods: 'RESTRICTED', allowed_mfa_methods: ['totp'] });
    expect(decideAuthentication(totpOnly, member(), [link, sms]).grant).toBe('mfa_required');
    expect(decideAuthentication(totpOnly, member(), [link, totp]).grant).toBe('session');
    expect(decideAuthentication(totpOnly, member({ is_breakglass: true }), [link, sms]).grant).toBe('session');
    expect(allowsMfaMethod(totpOnly, member(), 'sms_otp')).toBe(false);
    expect(allowsMfaMethod(totpOnly, member(), 'totp')).toBe(true);
  });

  it('an MFA factor alone is not a primary authentication', () => {
    expect(decideAuthentication(organization(), member(), [totp]).grant).toBe('primary_required');
  });

  it('requires MFA of a break-glass member too: break-glass skips method restrictions, not MFA', () => {
    const mfaOrg = { ...restricted, mfa_policy: 'REQUIRED_FOR_ALL' };
    expect(decideAuthentication(mfaOrg, member({ is_breakglass: true }), [link]).grant).toBe('mfa_required');
  });

  it('asks for the primary factor before MFA when both are missing', () => {
    const mfaOrg = { ...restricted, mfa_policy: 'REQUIRED_FOR_ALL' };
    expect(decideAuthentication(mfaOrg, member(), [link]).grant).toBe('primary_required');
  });
});
