import type { B2BClient } from 'stytch';
import type { TestAppHolder } from './app';
import { createMember, unique } from './factories';

/** What a member holds after signing in. */
export interface SignedInMember {
  memberId: string;
  email: string;
  token: string;
  jwt: string;
}

/**
 * A new member of `organizationId` (with `fields`, e.g. its roles), signed in
 * through the SDK as a person would: a login magic link, sent by the workers
 * over the test SMTP server, then redeemed. Needs useTestApp's
 * `{ workers: true, smtp: true }`; `client` is the project's (the app's own by default).
 */
export async function signInNewMember(
  ctx: TestAppHolder,
  organizationId: string,
  fields: Record<string, unknown> = {},
  client: B2BClient = ctx.app.project.client,
): Promise<SignedInMember> {
  const email = `${unique('member')}@acme.com`;
  await createMember(client, organizationId, { email_address: email, ...fields });
  await client.magicLinks.email.loginOrSignup({ organization_id: organizationId, email_address: email });
  const message = await ctx.smtp.messageTo(email);
  const auth = await client.magicLinks.authenticate({ magic_links_token: message.token, session_duration_minutes: 60 });
  return { memberId: auth.member_id, email, token: auth.session_token, jwt: auth.session_jwt };
}
