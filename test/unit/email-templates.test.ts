import { magicLink, renderEmail, TemplateKind } from '../../src/services/email/templates';

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

  it.each<[TemplateKind, RegExp]>([
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

  it('escapes names in the HTML part', () => {
    const email = renderEmail('invite', '<script>alert(1)</script> & Co', link, 10_080);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(email.text).toContain('expires in 7 days');
  });

  it('words odd expiries in minutes', () => {
    expect(renderEmail('login', 'Acme', link, 45).text).toContain('expires in 45 minutes');
  });
});
