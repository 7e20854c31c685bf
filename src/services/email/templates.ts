/** Text and HTML bodies of the emails Roster sends. */
export type EmailKind = 'invite' | 'login' | 'signup';
/** Discovery emails name no organization: the person picks one after clicking (the discovery flow's issue sends them). */
export type TemplateKind = EmailKind | 'discovery';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function expiry(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minutes`;
}

const COPY: Record<TemplateKind, (org: string) => { subject: string; lead: string; action: string }> = {
  invite: (org) => ({
    subject: `You're invited to join ${org}`,
    lead: `You have been invited to join ${org}.`,
    action: 'Accept the invitation',
  }),
  login: (org) => ({ subject: `Your login link for ${org}`, lead: `Use this link to log in to ${org}.`, action: 'Log in' }),
  signup: (org) => ({
    subject: `Finish signing up for ${org}`,
    lead: `Use this link to create your account in ${org}.`,
    action: 'Sign up',
  }),
  discovery: (app) => ({
    subject: `Your link to ${app}`,
    lead: `Use this link to see the organizations you can join or log in to in ${app}.`,
    action: 'Continue',
  }),
};

/** The subject an email of this kind gets; `name` as for renderEmail. */
export const subjectOf = (kind: TemplateKind, name: string): string => COPY[kind](name).subject;

/** `name` is the organization's, or for discovery the application's. */
export function renderEmail(kind: TemplateKind, name: string, link: string, expirationMinutes: number): EmailContent {
  const { subject, lead, action } = COPY[kind](name);
  const note = `The link works once and expires in ${expiry(expirationMinutes)}. If you did not expect this email, ignore it.`;
  return {
    subject,
    text: `${lead}\n\n${action}: ${link}\n\n${note}\n`,
    html:
      `<!doctype html><html><body style="font-family:sans-serif">` +
      `<p>${escapeHtml(lead)}</p>` +
      `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>` +
      `<p style="color:#666;font-size:small">${escapeHtml(note)}</p>` +
      `</body></html>`,
  };
}

/** The redirect URL with Stytch's query parameters appended, as Stytch builds its links. */
export function magicLink(redirectUrl: string, token: string): string {
  const url = new URL(redirectUrl);
  url.searchParams.set('stytch_token_type', 'multi_tenant_magic_links');
  url.searchParams.set('token', token);
  return url.toString();
}
