import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import { formatId, uuidv7 } from '../../src/ids';
import { useTestApp } from '../helpers/app';
import { discoveryProofs } from '../helpers/discovery';
import { allowAnotherEmail, loginByLink } from '../helpers/login';

// Workers and SMTP: a person may hold a magic-link session before signing in through SSO.
const ctx = useTestApp({ SSO_ALLOW_INSECURE_LOOPBACK: 'true' }, { workers: true, smtp: true });
const knex = () => ctx.app.container.knex;

let idp: ChildProcess;
let issuer: string;
let publicToken: string;

beforeAll(async () => {
  // oidc-provider is ESM-only: it runs beside jest, as a real IdP would.
  idp = spawn(process.execPath, [path.join(__dirname, '../fixtures/oidc-idp.mjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((resolve, reject) => {
    idp.stdout!.once('data', (d) => resolve(String(d)));
    idp.once('exit', (code) => reject(new Error(`the IdP exited (${code})`)));
  });
  issuer = JSON.parse(line).issuer;
  const tokenId = uuidv7();
  await knex()('project_public_tokens').insert({ id: tokenId, project_id: projectUuid() });
  publicToken = formatId('public-token', 'test', tokenId);
});

afterAll(() => {
  idp?.kill();
});

const projectUuid = () => ctx.app.project.projectId.replace(/^project-test-/, '');

async function newOrganization(settings: Record<string, unknown> = {}) {
  const { organization } = await ctx.client.organizations.create({
    organization_name: `SSO ${randomBytes(4).toString('hex')}`,
    sso_jit_provisioning: 'ALL_ALLOWED',
    ...settings,
  });
  return organization;
}

/**
 * An OIDC connection of the organization, with a client registered at the
 * IdP for its redirect URI; `roles` are those it grants every session signed in through it.
 */
async function newConnection(organizationId: string, roles: string[] = []) {
  const id = uuidv7();
  const publicId = formatId('oidc-connection', 'test', id);
  const redirectUri = `${ctx.app.baseUrl}/v1/b2b/sso/callback/${publicId}`;
  const registered = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }),
  });
  const client = (await registered.json()) as { client_id: string; client_secret: string };
  await knex()('sso_connections').insert({
    id,
    project_id: projectUuid(),
    organization_id: organizationId.replace(/^organization-test-/, ''),
    kind: 'oidc',
    status: 'active',
    display_name: 'Test IdP',
    oidc: {
      client_id: client.client_id,
      client_secret: client.client_secret,
      issuer,
      authorization_url: `${issuer}/auth`,
      token_url: `${issuer}/token`,
      userinfo_url: `${issuer}/me`,
      jwks_url: `${issuer}/jwks`,
      custom_scopes: '',
    },
    connection_role_assignments: JSON.stringify(roles.map((role_id) => ({ role_id }))),
  });
  return publicId;
}

interface Browser {
  jars: Map<string, Map<string, string>>;
}

function remember(browser: Browser, url: URL, response: Response) {
  const jar = browser.jars.get(url.origin) ?? new Map<string, string>();
  browser.jars.set(url.origin, jar);
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
}

/** Follows redirects as a browser does (cookies per origin), logging in at the IdP as `email`; stops at the app's redirect URL or a non-redirect. */
async function browse(browser: Browser, start: string, email: string, stopBefore?: (url: URL) => boolean) {
  let url = new URL(start);
  for (let hop = 0; hop < 20; hop += 1) {
    if (url.origin === 'https://app.example.com' || stopBefore?.(url)) return { url, response: undefined };
    if (url.pathname.startsWith('/interaction/')) url.searchParams.set('as', email);
    const cookie = [...(browser.jars.get(url.origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    remember(browser, url, response);
    const location = response.headers.get('location');
    if (!location || response.status < 300 || response.status >= 400) return { url, response };
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}

const startUrl = (connectionId: string, extra: Record<string, string> = {}) =>
  `${ctx.app.baseUrl}/v1/public/sso/start?${new URLSearchParams({
    public_token: publicToken,
    connection_id: connectionId,
    login_redirect_url: 'https://app.example.com/authenticate',
    signup_redirect_url: 'https://app.example.com/signup',
    ...extra,
  })}`;

const count = async (query: Promise<{ count?: string | number }[]>) => Number((await query)[0].count);

/** A whole sign-in at the IdP: the redirect Roster ends it with. */
async function signIn(connectionId: string, email: string, extra: Record<string, string> = {}) {
  const { url, response } = await browse({ jars: new Map() }, startUrl(connectionId, extra), email);
  if (response) throw new Error(`the sign-in stopped at ${url} (${response.status}): ${await response.text()}`);
  return { url, token: url.searchParams.get('token')! };
}

/** A sign-in stopped at Roster's callback, with the browser that made it. */
async function reachCallback(connectionId: string, email: string) {
  const browser: Browser = { jars: new Map() };
  const { url } = await browse(browser, startUrl(connectionId), email, (u) => u.pathname.startsWith('/v1/b2b/sso/callback/'));
  return { browser, callback: url };
}

const errorOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: { error_type?: string }) => err.error_type,
  );

async function callbackError(response: Response | undefined) {
  return ((await response!.json()) as { error_type: string }).error_type;
}

describe('SSO sign-in over OIDC', () => {
  it('provisions a member just in time on the first sign-in and finds the same member on the second', async () => {
    const organization = await newOrganization();
    const connectionId = await newConnection(organization.organization_id);

    const first = await signIn(connectionId, 'ada@sso.example');
    expect(first.url.pathname).toBe('/signup');
    expect(first.url.searchParams.get('stytch_token_type')).toBe('sso');
    const session = await ctx.client.sso.authenticate({ sso_token: first.token });
    expect(session.member.email_address).toBe('ada@sso.example');
    expect(session.member.status).toBe('active');
    expect(session.member_session!.authentication_factors).toEqual([
      expect.objectContaining({
        type: 'sso',
        delivery_method: 'sso_oidc',
        oidc_sso_factor: expect.objectContaining({ provider_id: connectionId, external_id: 'subject-ada@sso.example' }),
      }),
    ]);
    const checked = await ctx.client.sessions.authenticate({ session_jwt: session.session_jwt });
    expect(checked.member.member_id).toBe(session.member_id);

    const second = await signIn(connectionId, 'ada@sso.example');
    expect(second.url.pathname).toBe('/authenticate');
    const again = await ctx.client.sso.authenticate({ sso_token: second.token });
    expect(again.member_id).toBe(session.member_id);
    expect(await count(knex()('members').where({ email_normalized: 'ada@sso.example' }).count())).toBe(1);

    // The Member object shows the registration, as members.get and members.search answer it.
    const factor = session.member_session!.authentication_factors[0].oidc_sso_factor!;
    const registration = { connection_id: connectionId, external_id: 'subject-ada@sso.example', registration_id: factor.id };
    const { member } = await ctx.client.organizations.members.get({
      organization_id: organization.organization_id,
      member_id: session.member_id,
    });
    expect(member.sso_registrations).toEqual([expect.objectContaining(registration)]);
    expect(member.sso_registrations[0].registration_id).toMatch(/^member-registration-test-/);
    const found = await ctx.client.organizations.members.search({ organization_ids: [organization.organization_id] });
    expect(found.members.map((m) => m.sso_registrations)).toEqual([[expect.objectContaining(registration)]]);
    // So does sso.authenticate's answer: the registration the first sign-in made, and on the second the same one.
    expect(session.member.sso_registrations).toEqual([expect.objectContaining(registration)]);
    expect(again.member.sso_registrations).toEqual([expect.objectContaining(registration)]);
  });

  it('refuses a spent or unknown sso token', async () => {
    const organization = await newOrganization();
    const connectionId = await newConnection(organization.organization_id);
    const { token } = await signIn(connectionId, 'once@sso.example');
    await ctx.client.sso.authenticate({ sso_token: token });
    expect(await errorOf(ctx.client.sso.authenticate({ sso_token: token }))).toBe('sso_token_not_found');
    expect(await errorOf(ctx.client.sso.authenticate({ sso_token: 'nope' }))).toBe('sso_token_not_found');
  });

  it('refuses just-in-time provisioning through a connection RESTRICTED away, and when NOT_ALLOWED, creating nobody', async () => {
    const restricted = await newOrganization();
    const allowed = await newConnection(restricted.organization_id);
    const other = await newConnection(restricted.organization_id);
    await knex()('organizations')
      .where({ id: restricted.organization_id.replace(/^organization-test-/, '') })
      .update({ sso_jit_provisioning: 'RESTRICTED', sso_jit_provisioning_allowed_connections: [allowed] });
    const viaOther = await signIn(other, 'rex@sso.example');
    expect(await errorOf(ctx.client.sso.authenticate({ sso_token: viaOther.token }))).toBe('invalid_connection_for_jit_provisioning');
    const viaAllowed = await signIn(allowed, 'rex@sso.example');
    expect((await ctx.client.sso.authenticate({ sso_token: viaAllowed.token })).member.email_address).toBe('rex@sso.example');

    const closed = await newOrganization({ sso_jit_provisioning: 'NOT_ALLOWED', email_invites: 'ALL_ALLOWED' });
    const connectionId = await newConnection(closed.organization_id);
    const { token } = await signIn(connectionId, 'nora@sso.example');
    expect(await errorOf(ctx.client.sso.authenticate({ sso_token: token }))).toBe('invalid_connection_for_jit_provisioning');
    expect(await count(knex()('members').where({ email_normalized: 'nora@sso.example' }).count())).toBe(0);
  });

  it('attaches the registration to the existing member with that address instead of creating another', async () => {
    const organization = await newOrganization({ sso_jit_provisioning: 'NOT_ALLOWED', email_invites: 'ALL_ALLOWED' });
    const connectionId = await newConnection(organization.organization_id);
    const { member } = await ctx.client.organizations.members.create({
      organization_id: organization.organization_id,
      email_address: 'grace@sso.example',
    });
    const { url, token } = await signIn(connectionId, 'Grace@sso.example');
    expect(url.pathname).toBe('/authenticate');
    const session = await ctx.client.sso.authenticate({ sso_token: token });
    expect(session.member_id).toBe(member.member_id);
    const registrations = await knex()('sso_registrations').where({ member_id: member.member_id.replace(/^member-test-/, '') });
    expect(registrations).toEqual([expect.objectContaining({ external_id: 'subject-Grace@sso.example' })]);

    // The IdP vouched for the address: the member's first SSO sign-in verifies it, an update with its event;
    // a second sign-in changes nothing and writes none.
    await ctx.client.sso.authenticate({ sso_token: (await signIn(connectionId, 'Grace@sso.example')).token });
    const events = await knex()('events').where({ object_id: member.member_id }).orderBy('id');
    expect(events.map((e) => e.name)).toEqual(['direct.member.create', 'direct.member.update']);
    expect(events[1].payload.member).toMatchObject({ member_id: member.member_id, email_address_verified: true, status: 'active' });
  });

  it('refuses a callback without the browser cookie, a replayed one, and an ID token with another nonce', async () => {
    const organization = await newOrganization();
    const connectionId = await newConnection(organization.organization_id);

    const stolen = await reachCallback(connectionId, 'eve@sso.example');
    const bare = await fetch(stolen.callback, { redirect: 'manual' });
    expect(bare.status).toBe(400);
    expect(await callbackError(bare)).toBe('oidc_csrf_cookie_mismatch');
    const forged = await fetch(stolen.callback, { redirect: 'manual', headers: { cookie: 'roster_sso_state=forged' } });
    expect(await callbackError(forged)).toBe('oidc_csrf_cookie_mismatch');
    // The forged attempts burned nothing: the real browser completes.
    const stateCookie = stolen.browser.jars.get(ctx.app.baseUrl)!.get('roster_sso_state')!;
    const done = await browse(stolen.browser, stolen.callback.toString(), 'eve@sso.example');
    expect(done.url.searchParams.get('stytch_token_type')).toBe('sso');
    const replayed = await fetch(stolen.callback, { redirect: 'manual', headers: { cookie: `roster_sso_state=${stateCookie}` } });
    expect(await callbackError(replayed)).toBe('sso_flow_not_found');

    const tampered = await reachCallback(connectionId, 'eve@sso.example');
    await knex()('sso_flows').whereNull('used_at').update({ nonce: 'another-nonce' });
    const refused = await browse(tampered.browser, tampered.callback.toString(), 'eve@sso.example');
    expect(refused.response!.status).toBe(400);
    expect(await callbackError(refused.response)).toBe('id_token_nonce_invalid');
  });

  it('holds sso.authenticate to the PKCE challenge the sign-in started with', async () => {
    const organization = await newOrganization();
    const connectionId = await newConnection(organization.organization_id);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { token } = await signIn(connectionId, 'pat@sso.example', { pkce_code_challenge: challenge });
    expect(await errorOf(ctx.client.sso.authenticate({ sso_token: token }))).toBe('pkce_expected_code_verifier');
    const other = await signIn(connectionId, 'pat@sso.example', { pkce_code_challenge: challenge });
    expect(await errorOf(ctx.client.sso.authenticate({ sso_token: other.token, pkce_code_verifier: 'x'.repeat(43) }))).toBe(
      'pkce_mismatch',
    );
    const third = await signIn(connectionId, 'pat@sso.example', { pkce_code_challenge: challenge });
    const session = await ctx.client.sso.authenticate({ sso_token: third.token, pkce_code_verifier: verifier });
    expect(session.member.email_address).toBe('pat@sso.example');
  });

  it('refuses an unknown public token and a redirect URL off the allowlist', async () => {
    const organization = await newOrganization();
    const connectionId = await newConnection(organization.organization_id);
    const unknown = await ctx.app.http(
      'GET',
      `/v1/public/sso/start?${new URLSearchParams({ public_token: formatId('public-token', 'test', uuidv7()), connection_id: connectionId })}`,
      { auth: null },
    );
    expect(unknown.body.error_type).toBe('public_token_not_found');
    const offList = await ctx.app.http(
      'GET',
      `/v1/public/sso/start?${new URLSearchParams({ public_token: publicToken, connection_id: connectionId, login_redirect_url: 'https://evil.example/' })}`,
      { auth: null },
    );
    expect(offList.body.error_type).toBe('no_match_for_provided_sso_url');
    expect(await count(knex()('sso_flows').where({ login_redirect_url: 'https://evil.example/' }).count())).toBe(0);
  });

  it("shows the member's SSO registration in every later authentication's answer, whatever the factor", async () => {
    const home = await newOrganization();
    const away = await newOrganization();
    const email = 'reg@sso.example';
    const registrationAt = async (organizationId: string) => {
      const connection_id = await newConnection(organizationId);
      const signedIn = await ctx.client.sso.authenticate({ sso_token: (await signIn(connection_id, email)).token });
      const registration_id = signedIn.member_session!.authentication_factors[0].oidc_sso_factor!.id;
      return [expect.objectContaining({ connection_id, registration_id, external_id: `subject-${email}` })];
    };
    const atHome = await registrationAt(home.organization_id);
    const atAway = await registrationAt(away.organization_id);

    const byLink = await loginByLink(ctx, home.organization_id, email);
    expect(byLink.member.sso_registrations).toEqual(atHome);

    const sent = ctx.smtp.messages.filter((m) => m.to.includes(email)).length;
    await allowAnotherEmail(ctx, email);
    await ctx.client.otps.email.loginOrSignup({ organization_id: home.organization_id, email_address: email });
    const { code } = await ctx.smtp.nthMessageTo(email, sent + 1);
    const byCode = await ctx.client.otps.email.authenticate({ organization_id: home.organization_id, email_address: email, code });
    expect(byCode.member.sso_registrations).toEqual(atHome);

    // The session hot path: by token and by JWT, plain and extending the session (the UPDATE form of the read).
    for (const presented of [{ session_token: byLink.session_token }, { session_jwt: byLink.session_jwt }]) {
      expect((await ctx.client.sessions.authenticate(presented)).member.sso_registrations).toEqual(atHome);
      expect((await ctx.client.sessions.authenticate({ ...presented, session_duration_minutes: 30 })).member.sso_registrations).toEqual(
        atHome,
      );
    }

    // An exchange answered by the one-statement path (the email factor earns the session), then by the full flow (MFA missing).
    const exchanged = await ctx.client.sessions.exchange({ organization_id: away.organization_id, session_token: byLink.session_token });
    expect(exchanged.member_authenticated).toBe(true);
    expect(exchanged.member.sso_registrations).toEqual(atAway);
    await ctx.client.organizations.update({ organization_id: away.organization_id, mfa_policy: 'REQUIRED_FOR_ALL' });
    const unmet = await ctx.client.sessions.exchange({ organization_id: away.organization_id, session_jwt: byLink.session_jwt });
    expect(unmet.member_authenticated).toBe(false);
    expect(unmet.member.sso_registrations).toEqual(atAway);

    // Discovery's intermediate session entering an organization, directly and through the full flow.
    const proofs = discoveryProofs(ctx);
    const toHome = await ctx.client.discovery.intermediateSessions.exchange({
      intermediate_session_token: (await proofs.proveByLink(email)).intermediate_session_token,
      organization_id: home.organization_id,
    });
    expect(toHome.member_authenticated).toBe(true);
    expect(toHome.member.sso_registrations).toEqual(atHome);
    const toAway = await ctx.client.discovery.intermediateSessions.exchange({
      intermediate_session_token: (await proofs.proveByLink(email)).intermediate_session_token,
      organization_id: away.organization_id,
    });
    expect(toAway.member_authenticated).toBe(false);
    expect(toAway.member.sso_registrations).toEqual(atAway);
  });

  it("shows the member's SSO registration in its factors', emails', discovery's and events' Member objects", async () => {
    const organization = await newOrganization({ email_invites: 'ALL_ALLOWED' });
    const { organization_id } = organization;
    const connection_id = await newConnection(organization_id);
    const email = 'kit@sso.example';
    const signedIn = await ctx.client.sso.authenticate({ sso_token: (await signIn(connection_id, email)).token });
    const registration_id = signedIn.member_session!.authentication_factors[0].oidc_sso_factor!.id;
    const registered = [expect.objectContaining({ connection_id, registration_id, external_id: `subject-${email}` })];
    const ref = { organization_id, member_id: signedIn.member_id };

    // MFA factors added and removed: each answer is the Member as members.get answers it.
    const number = `+1555${randomInt(1_000_000, 9_999_999)}`;
    expect((await ctx.client.otps.sms.send({ ...ref, mfa_phone_number: number })).member.sso_registrations).toEqual(registered);
    expect((await ctx.client.totps.create(ref)).member.sso_registrations).toEqual(registered);
    expect((await ctx.client.organizations.members.deleteTOTP(ref)).member.sso_registrations).toEqual(registered);
    expect((await ctx.client.organizations.members.deleteMFAPhoneNumber(ref)).member.sso_registrations).toEqual(registered);
    const renamed = 'kit.renamed@sso.example';
    await ctx.client.organizations.members.update({ ...ref, email_address: renamed });
    const unlinked = await ctx.client.organizations.members.unlinkRetiredEmail({ ...ref, email_address: email });
    expect(unlinked.member.retired_email_addresses).toEqual([]);
    expect(unlinked.member.sso_registrations).toEqual(registered);

    // Emails sent to the existing member.
    await allowAnotherEmail(ctx, renamed);
    const byLink = await ctx.client.magicLinks.email.loginOrSignup({ organization_id, email_address: renamed });
    expect(byLink.member_created).toBe(false);
    expect(byLink.member.sso_registrations).toEqual(registered);
    await allowAnotherEmail(ctx, renamed);
    const byCode = await ctx.client.otps.email.loginOrSignup({ organization_id, email_address: renamed });
    expect(byCode.member.sso_registrations).toEqual(registered);
    // An invite goes only to a member not active yet: this one is made pending again, its registration kept.
    await knex()('members')
      .where({ id: signedIn.member_id.replace(/^member-test-/, '') })
      .update({ status: 'pending' });
    await allowAnotherEmail(ctx, renamed);
    const invited = await ctx.client.magicLinks.email.invite({ organization_id, email_address: renamed });
    expect(invited.member.status).toBe('invited');
    expect(invited.member.sso_registrations).toEqual(registered);

    // Discovery's membership in the organization, as discovery authenticates and as it lists.
    const membershipIn = (found: {
      discovered_organizations: { organization?: { organization_id: string }; membership?: { member?: unknown } }[];
    }) => found.discovered_organizations.find((o) => o.organization?.organization_id === organization_id)?.membership?.member;
    const discovered = await discoveryProofs(ctx).proveByLink(renamed);
    expect(membershipIn(discovered)).toMatchObject({ member_id: ref.member_id, sso_registrations: registered });
    const listed = await ctx.client.discovery.organizations.list({ intermediate_session_token: discovered.intermediate_session_token });
    expect(membershipIn(listed)).toMatchObject({ member_id: ref.member_id, sso_registrations: registered });

    // Every member update event since the registration carries it: the factors', the invite's and a later update's.
    await ctx.client.organizations.members.update({ ...ref, name: 'Kit' });
    const updates = await knex()('events').where({ object_id: ref.member_id, action: 'UPDATE' }).orderBy('id');
    expect(updates.length).toBeGreaterThanOrEqual(6);
    for (const event of updates) expect(event.payload.member.sso_registrations).toEqual(registered);
    expect(updates.at(-1).payload.member).toMatchObject({ name: 'Kit', sso_registrations: registered });
  });

  it('makes one member of concurrent first sign-ins of one person', async () => {
    const organization = await newOrganization();
    const connectionId = await newConnection(organization.organization_id);
    const tokens = await Promise.all([1, 2, 3].map(() => signIn(connectionId, 'twin@sso.example')));
    const sessions = await Promise.all(tokens.map(({ token }) => ctx.client.sso.authenticate({ sso_token: token })));
    expect(new Set(sessions.map((s) => s.member_id)).size).toBe(1);
    expect(await count(knex()('members').where({ email_normalized: 'twin@sso.example' }).count())).toBe(1);
  });

  it('completes a magic-link session exchanged into an SSO-only organization, whose roles stay there', async () => {
    const open = await newOrganization();
    const ssoOnly = await newOrganization({ auth_methods: 'RESTRICTED', allowed_auth_methods: ['sso'] });
    const connectionId = await newConnection(ssoOnly.organization_id, ['stytch_admin']);
    const email = 'sam@sso.example';
    for (const { organization_id } of [open, ssoOnly])
      await ctx.client.organizations.members.create({ organization_id, email_address: email });

    const byLink = await loginByLink(ctx, open.organization_id, email);
    const exchanged = await ctx.client.sessions.exchange({ organization_id: ssoOnly.organization_id, session_token: byLink.session_token });
    expect(exchanged.member_authenticated).toBe(false);
    expect(exchanged.primary_required).toEqual({ allowed_auth_methods: ['sso'] });
    expect(exchanged.member_session).toBeUndefined();
    expect(exchanged.session_token).toBe('');
    expect(exchanged.intermediate_session_token).not.toBe('');

    const { token } = await signIn(connectionId, email);
    const signedIn = await ctx.client.sso.authenticate({
      sso_token: token,
      intermediate_session_token: exchanged.intermediate_session_token,
    });
    expect(signedIn.member_authenticated).toBe(true);
    expect(signedIn.member_id).toBe(exchanged.member_id);
    expect(signedIn.member_session).toMatchObject({ organization_id: ssoOnly.organization_id, roles: ['stytch_member', 'stytch_admin'] });
    expect(signedIn.member_session!.authentication_factors.map((f) => f.type).sort()).toEqual(['magic_link', 'sso']);
    expect((await ctx.client.sessions.authenticate({ session_token: signedIn.session_token })).member_session.roles).toEqual([
      'stytch_member',
      'stytch_admin',
    ]);
    // The intermediate session was spent by the sign-in.
    const { token: again } = await signIn(connectionId, email);
    expect(
      await errorOf(ctx.client.sso.authenticate({ sso_token: again, intermediate_session_token: exchanged.intermediate_session_token })),
    ).toBe('intermediate_session_not_found');

    // Exchanged back into the open organization, the session carries its email factor but not the connection's role.
    const back = await ctx.client.sessions.exchange({ organization_id: open.organization_id, session_token: signedIn.session_token });
    expect(back.member_authenticated).toBe(true);
    expect(back.member_session!.roles).toEqual(['stytch_member']);
    expect((await ctx.client.sessions.authenticate({ session_jwt: back.session_jwt })).member_session.roles).toEqual(['stytch_member']);
  });
});
