/** Text and HTML bodies of the emails Roster sends. */

/** Emails that carry a magic link. Discovery ones name no organization: the person picks one after clicking. */
export type LinkEmailKind = 'invite' | 'login' | 'signup' | 'discovery';
/** Emails that carry a one-time passcode (Stytch's email OTP), minted when the email is sent. */
export type CodeEmailKind = 'otp_login' | 'otp_signup' | 'otp_discovery';
/** As the emails__kind__check constraint allows. */
export type EmailKind = LinkEmailKind | CodeEmailKind;

export const isCodeEmail = (kind: EmailKind): kind is CodeEmailKind => kind.startsWith('otp_');

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
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** `name` is the organization's, or for discovery the application's (the project's name). */
const COPY: Record<EmailKind, (name: string) => { subject: string; lead: string; action: string }> = {
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
  otp_login: (org) => ({ subject: `Your login code for ${org}`, lead: `Enter this code to log in to ${org}:`, action: '' }),
  otp_signup: (org) => ({
    subject: `Your code to finish signing up for ${org}`,
    lead: `Enter this code to create your account in ${org}:`,
    action: '',
  }),
  otp_discovery: (app) => ({
    subject: `Your code for ${app}`,
    lead: `Enter this code to see the organizations you can join or log in to in ${app}:`,
    action: '',
  }),
};

/** The subject an email of this kind gets; `name` as for renderEmail. */
export const subjectOf = (kind: EmailKind, name: string): string => COPY[kind](name).subject;

const page = (...paragraphs: string[]) => `<!doctype html><html><body style="font-family:sans-serif">${paragraphs.join('')}</body></html>`;
const small = (note: string) => `<p style="color:#666;font-size:small">${escapeHtml(note)}</p>`;

/** A magic-link email; `name` is the organization's, or for discovery the application's. */
export function renderEmail(kind: LinkEmailKind, name: string, link: string, expirationMinutes: number): EmailContent {
  const { subject, lead, action } = COPY[kind](name);
  const note = `The link works once and expires in ${expiry(expirationMinutes)}. If you did not expect this email, ignore it.`;
  return {
    subject,
    text: `${lead}\n\n${action}: ${link}\n\n${note}\n`,
    html: page(`<p>${escapeHtml(lead)}</p>`, `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`, small(note)),
  };
}

/** A one-time passcode email; `name` as for renderEmail. */
export function renderCodeEmail(kind: CodeEmailKind, name: string, code: string, expirationMinutes: number): EmailContent {
  const { subject, lead } = COPY[kind](name);
  const note = `The code works once and expires in ${expiry(expirationMinutes)}. Never share it. If you did not expect this email, ignore it.`;
  return {
    subject,
    text: `${lead}\n\n${code}\n\n${note}\n`,
    html: page(
      `<p>${escapeHtml(lead)}</p>`,
      `<p style="font-size:x-large;font-weight:bold;letter-spacing:0.2em">${escapeHtml(code)}</p>`,
      small(note),
    ),
  };
}

/**
 * The redirect URL with Stytch's query parameters appended, as Stytch builds
 * its links: `discovery` links are redeemed by magic_links.discovery.authenticate,
 * the others by magic_links.authenticate.
 */
export function magicLink(redirectUrl: string, token: string, kind: LinkEmailKind = 'login'): string {
  const url = new URL(redirectUrl);
  url.searchParams.set('stytch_token_type', kind === 'discovery' ? 'discovery' : 'multi_tenant_magic_links');
  url.searchParams.set('token', token);
  return url.toString();
}
