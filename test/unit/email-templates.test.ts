import {
  CodeEmailKind,
  isCodeEmail,
  LinkEmailKind,
  magicLink,
  renderCodeEmail,
  renderEmail,
  subjectOf,
} from '../../src/services/email/templates';

describe('email templates', () => {
  const link = magicLink('https://app.example.com/auth?next=%2Fhome', 'tok_123');

  it('appends Stytch’s token parameters to the redirect URL, keeping its own query', () => {
    const url = new URL(link);
    expect(url.origin + url.pathname).toBe('https://app.example.com/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      next: '/home',
      stytch_token_type: 'multi_tenant_magic_links',
      token: 'tok_123',
    });
  });

  it.each<[LinkEmailKind, string]>([
    ['invite', 'multi_tenant_magic_links'],
    ['login', 'multi_tenant_magic_links'],
    ['signup', 'multi_tenant_magic_links'],
    ['discovery', 'discovery'],
  ])('marks a %s link with stytch_token_type=%s, as Stytch does', (kind, tokenType) => {
    const url = new URL(magicLink('https://app.example.com/auth', 'tok_123', kind));
    expect(url.searchParams.get('stytch_token_type')).toBe(tokenType);
    expect(url.searchParams.get('token')).toBe('tok_123');
  });

  it.each<[LinkEmailKind, RegExp]>([
    ['invite', /invited to join Acme/],
    ['login', /log in to Acme/],
    ['signup', /create your account in Acme/],
    ['discovery', /organizations you can join or log in to in Acme/],
  ])('renders the %s email with the link in its text and HTML parts', (kind, lead) => {
    const email = renderEmail(kind, 'Acme', link, 60);
    expect(email.subject).toContain('Acme');
    expect(email.text).toMatch(lead);
    expect(email.text).toContain(link);
    expect(email.html).toContain(link.replace(/&/g, '&amp;'));
    expect(email.text).toContain('expires in 1 hour');
  });

  it.each<[CodeEmailKind, RegExp]>([
    ['otp_login', /code to log in to Acme/],
    ['otp_signup', /code to create your account in Acme/],
    ['otp_discovery', /code to see the organizations you can join or log in to in Acme/],
  ])('renders the %s email with the code in its text and HTML parts, and no link', (kind, lead) => {
    const email = renderCodeEmail(kind, 'Acme', '012345', 10);
    expect(email.subject).toBe(subjectOf(kind, 'Acme'));
    expect(email.subject).toContain('Acme');
    expect(email.text).toMatch(lead);
    expect(email.text).toContain('\n012345\n');
    expect(email.html).toContain('>012345<');
    expect(email.text).toContain('expires in 10 minutes');
    expect(email.html).not.toContain('href');
  });

  it('tells code emails from link emails by kind', () => {
    expect(['otp_login', 'otp_signup', 'otp_discovery'].every((k) => isCodeEmail(k as CodeEmailKind))).toBe(true);
    expect(['invite', 'login', 'signup', 'discovery'].some((k) => isCodeEmail(k as LinkEmailKind))).toBe(false);
  });

  it('escapes names in the HTML part', () => {
    const email = renderEmail('invite', '<script>alert(1)</script> & Co', link, 10_080);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(email.text).toContain('expires in 7 days');
    expect(renderCodeEmail('otp_login', '<b>Co</b>', '123456', 10).html).toContain('&lt;b&gt;Co&lt;/b&gt;');
  });

  it('words odd expiries in minutes', () => {
    expect(renderEmail('login', 'Acme', link, 45).text).toContain('expires in 45 minutes');
  });
});
