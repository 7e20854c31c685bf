import { normalizeEmail } from '../../src/email-rules';
import type { TestAppHolder } from './app';

/** Moves earlier emails to an address out of the one-per-second window, so another may be sent at once. */
export async function allowAnotherEmail(ctx: TestAppHolder, email: string): Promise<void> {
  const knex = ctx.app.container.knex;
  await knex('emails')
    .where({ to_normalized: normalizeEmail(email) })
    .update({ created_at: knex.raw("created_at - interval '1 minute'") });
}

/**
 * A member's login link, sent by magic_links.email.login_or_signup through the
 * real outbox, workers and SMTP (the app runs with `{ workers: true, smtp: true }`):
 * its token. Links to one address must not be requested concurrently.
 */
export async function loginLinkToken(ctx: TestAppHolder, organizationId: string, email: string): Promise<string> {
  const before = ctx.smtp.messages.filter((m) => m.to.some((to) => to.toLowerCase() === email.toLowerCase())).length;
  await allowAnotherEmail(ctx, email);
  await ctx.app.project.client.magicLinks.email.loginOrSignup({ organization_id: organizationId, email_address: email });
  return (await ctx.smtp.nthMessageTo(email, before + 1)).token;
}

/** Logs a member in by a fresh login link: Stytch's answer (a session, or an intermediate session and what it still needs). */
export async function loginByLink(ctx: TestAppHolder, organizationId: string, email: string, extra: Record<string, unknown> = {}) {
  const token = await loginLinkToken(ctx, organizationId, email);
  return ctx.app.project.client.magicLinks.authenticate({ magic_links_token: token, ...extra });
}
