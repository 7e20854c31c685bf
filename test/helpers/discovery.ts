import { hashSecret } from '../../src/secrets';
import type { TestAppHolder, TestProject } from './app';
import { eventually } from './eventually';
import { allowAnotherEmail } from './login';
import type { CapturedEmail } from './smtp';

/**
 * Discovery proofs through the real pipeline: a discovery magic link or
 * passcode sent by the SDK (magic_links.email.discovery.send,
 * otps.email.discovery.send), delivered by the workers to the test SMTP
 * server, read from the message and redeemed through the SDK. The app must
 * run with `{ workers: true, smtp: true }`. Proofs of one address must not be
 * sent concurrently (a proof takes the first new discovery message to it).
 */
export function discoveryProofs(ctx: TestAppHolder, project: () => TestProject = () => ctx.app.project) {
  const knex = () => ctx.app.container.knex;
  /** The first message to `email` that arrives after `before` and passes `is` (invites and logins may arrive meanwhile). */
  const nextMessage = (email: string, before: Set<CapturedEmail>, is: (m: CapturedEmail) => boolean) =>
    eventually(
      () => ctx.smtp.messages.find((m) => !before.has(m) && m.to.some((to) => to.toLowerCase() === email.toLowerCase()) && is(m)),
      { what: `a discovery email to ${email}` },
    );
  const allowAnotherSend = (email: string) => allowAnotherEmail(ctx, email);

  /** A delivered discovery link's token for `email` (optionally sent with a PKCE challenge). */
  async function discoveryLink(email: string, options: { pkceChallenge?: string } = {}): Promise<string> {
    await allowAnotherSend(email);
    const before = new Set(ctx.smtp.messages);
    await project().client.magicLinks.email.discovery.send({
      email_address: email,
      ...(options.pkceChallenge && { pkce_code_challenge: options.pkceChallenge }),
    });
    return (await nextMessage(email, before, (m) => m.link.includes('stytch_token_type=discovery'))).token;
  }

  /** Ends a delivered link's life now, as if its hour had passed. */
  const expire = (token: string) =>
    knex()('magic_link_tokens')
      .where({ token_hash: hashSecret(token) })
      .update({ expires_at: knex().raw("now() - interval '1 second'") });

  /** A delivered discovery passcode for `email`. */
  async function discoveryCode(email: string): Promise<string> {
    await allowAnotherSend(email);
    const before = new Set(ctx.smtp.messages);
    await project().client.otps.email.discovery.send({ email_address: email });
    return (await nextMessage(email, before, (m) => m.code !== '')).code;
  }

  /** The person proves `email` by a discovery magic link: Stytch's answer (intermediate session, discovered organizations). */
  async function proveByLink(email: string) {
    const discovery_magic_links_token = await discoveryLink(email);
    return project().client.magicLinks.discovery.authenticate({ discovery_magic_links_token });
  }

  /** The person proves `email` by a discovery passcode. */
  async function proveByCode(email: string) {
    const code = await discoveryCode(email);
    return project().client.otps.email.discovery.authenticate({ email_address: email, code });
  }

  return { discoveryLink, discoveryCode, expire, proveByLink, proveByCode };
}
