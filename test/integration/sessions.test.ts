import { decodeJwt, decodeProtectedHeader } from 'jose';
import { B2BClient } from 'stytch';
import { parseId } from '../../src/ids';
import { useTestApp, TestProject } from '../helpers/app';
import { expectErrorEnvelope, expectStytchError } from '../helpers/assertions';
import { createOrganization, unique } from '../helpers/factories';
import { eventually } from '../helpers/eventually';
import type { CapturedEmail } from '../helpers/smtp';

const SESSION_CLAIM = 'https://stytch.com/session';
const ORGANIZATION_CLAIM = 'https://stytch.com/organization';
const MINUTE_MS = 60_000;

/** What a member holds after clicking a magic link. */
interface SignedIn {
  organizationId: string;
  memberId: string;
  email: string;
  sessionId: string;
  token: string;
  jwt: string;
}

describe('member sessions', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  const knex = () => ctx.app.container.knex;
  const sessionUuid = (sessionId: string) => parseId('member-session', 'test', sessionId)!;
  const sessionRow = (sessionId: string) =>
    knex()('member_sessions')
      .where({ id: sessionUuid(sessionId) })
      .first();

  /** The `n`th email (from 0) captured for an address, waiting for it until a deadline. */
  async function nthEmailTo(address: string, n: number, deadlineMs = 15_000): Promise<CapturedEmail> {
    return eventually(() => ctx.smtp.messages.filter((m) => m.to.includes(address))[n], {
      what: `email #${n} to ${address}`,
      timeoutMs: deadlineMs,
      intervalMs: 25,
    });
  }

  /** Redeems a link and returns the session it gave. */
  async function redeem(project: TestProject, email: CapturedEmail, organizationId: string, address: string): Promise<SignedIn> {
    const auth = await project.client.magicLinks.authenticate({ magic_links_token: email.token, session_duration_minutes: 60 });
    expect(auth.member_authenticated).toBe(true);
    return {
      organizationId,
      memberId: auth.member_id,
      email: address,
      sessionId: auth.member_session!.member_session_id,
      token: auth.session_token,
      jwt: auth.session_jwt,
    };
  }

  /** A new member of a new organization, invited and signed in through the invite link. */
  async function signIn(project: TestProject = ctx.app.project): Promise<SignedIn> {
    const organization = await createOrganization(project.client);
    const address = `${unique('member')}@acme.com`;
    await project.client.magicLinks.email.invite({ organization_id: organization.organization_id, email_address: address });
    return redeem(project, await nthEmailTo(address, 0), organization.organization_id, address);
  }

  /** Another session for an active member, through a login link (waiting out the one-per-second send limit). */
  async function signInAgain(member: SignedIn): Promise<SignedIn> {
    const before = ctx.smtp.messages.filter((m) => m.to.includes(member.email)).length;
    // Only the send limit's 429 is retried; any other refusal fails the test at once.
    const outcome = await eventually(
      () =>
        ctx.client.magicLinks.email
          .loginOrSignup({ organization_id: member.organizationId, email_address: member.email })
          .then(() => ({ refusal: undefined }))
          .catch((err: { status_code?: number }) => (err.status_code === 429 ? false : { refusal: err })),
      { what: `a login link to ${member.email} past the send limit`, timeoutMs: 5000, intervalMs: 100 },
    );
    if (outcome.refusal) throw outcome.refusal;
    return redeem(ctx.app.project, await nthEmailTo(member.email, before), member.organizationId, member.email);
  }

  /** A fresh SDK ctx.client for a project: its JWKS cache starts empty, so local verification fetches the keys now published. */
  const freshClient = (project: TestProject) =>
    new B2BClient({ project_id: project.projectId, secret: project.secret, env: `${ctx.app.baseUrl}/` });
  const jwks = (projectId: string) => ctx.app.http('GET', `/v1/b2b/sessions/jwks/${projectId}`, { auth: null });
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid!;

  /** The session no longer authenticates, by token or by JWT. */
  async function expectRevoked(session: SignedIn): Promise<void> {
    await expectStytchError(ctx.client.sessions.authenticate({ session_token: session.token }), 404, 'session_not_found');
    await expectStytchError(ctx.client.sessions.authenticate({ session_jwt: session.jwt }), 404, 'session_not_found');
  }

  describe('authenticate', () => {
    it.each([
      ['session_token', (s: SignedIn) => ({ session_token: s.token })],
      ['session_jwt', (s: SignedIn) => ({ session_jwt: s.jwt })],
    ])('authenticates by %s, answering a fresh JWT and moving last_accessed_at', async (_, credential) => {
      const session = await signIn();
      await knex()('member_sessions')
        .where({ id: sessionUuid(session.sessionId) })
        .update({ last_accessed_at: knex().raw("now() - interval '10 minutes'") });
      const before = Date.now();

      const result = await ctx.client.sessions.authenticate(credential(session));

      expect(result.member_session).toMatchObject({
        member_session_id: session.sessionId,
        member_id: session.memberId,
        organization_id: session.organizationId,
      });
      expect(result.member.member_id).toBe(session.memberId);
      expect(result.session_jwt).not.toBe(session.jwt);
      expect(decodeJwt(result.session_jwt)[SESSION_CLAIM]).toMatchObject({ id: session.sessionId });
      expect(Date.parse(result.member_session.last_accessed_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      const local = await ctx.client.sessions.authenticateJwtLocal({ session_jwt: result.session_jwt });
      expect(local.member_session_id).toBe(session.sessionId);
    });

    it('refuses an authenticate that names no session with no_session_arguments', async () => {
      const res = await ctx.app.http('POST', '/v1/b2b/sessions/authenticate', { body: {} });
      expectErrorEnvelope(res.body, 400, 'no_session_arguments');
    });

    it('extends the session when session_duration_minutes is given', async () => {
      const session = await signIn();
      const before = Date.now();

      const result = await ctx.client.sessions.authenticate({ session_token: session.token, session_duration_minutes: 600 });

      const expiresAt = Date.parse(result.member_session.expires_at);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 600 * MINUTE_MS - 2000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600 * MINUTE_MS + 1000);
      const claimed = Date.parse((decodeJwt(result.session_jwt)[SESSION_CLAIM] as { expires_at: string }).expires_at);
      expect(Math.floor(claimed / 1000) * 1000).toBe(expiresAt);
      expect((await sessionRow(session.sessionId)).expires_at.getTime()).toBeGreaterThanOrEqual(expiresAt);
    });

    it('refuses a session_duration_minutes under five minutes and leaves the expiry as it was', async () => {
      const session = await signIn();
      const before = await sessionRow(session.sessionId);

      await expectStytchError(ctx.client.sessions.authenticate({ session_token: session.token, session_duration_minutes: 1 }), 400);

      expect((await sessionRow(session.sessionId)).expires_at).toEqual(before.expires_at);
    });

    it('merges session_custom_claims (null removes a key) into the session and its JWT', async () => {
      const session = await signIn();
      await ctx.client.sessions.authenticate({ session_token: session.token, session_custom_claims: { team: 'red', level: 1 } });

      const result = await ctx.client.sessions.authenticate({
        session_token: session.token,
        session_custom_claims: { level: null, tier: 'gold' },
      });

      expect(result.member_session.custom_claims).toEqual({ team: 'red', tier: 'gold' });
      const claims = decodeJwt(result.session_jwt);
      expect(claims).toMatchObject({ team: 'red', tier: 'gold' });
      expect(claims).not.toHaveProperty('level');
      const local = await ctx.client.sessions.authenticateJwtLocal({ session_jwt: result.session_jwt });
      expect(local.custom_claims).toEqual({ team: 'red', tier: 'gold' });
      const again = await ctx.client.sessions.authenticate({ session_token: session.token });
      expect(again.member_session.custom_claims).toEqual({ team: 'red', tier: 'gold' });
    });

    it('fails for an expired session', async () => {
      const session = await signIn();
      await knex()('member_sessions')
        .where({ id: sessionUuid(session.sessionId) })
        .update({ expires_at: knex().raw("now() - interval '1 second'") });

      await expectRevoked(session);
    });
  });

  describe('get', () => {
    it("lists the member's live sessions, and no one else's", async () => {
      const first = await signIn();
      const second = await signInAgain(first);
      const revoked = await signInAgain(first);
      await ctx.client.sessions.revoke({ member_session_id: revoked.sessionId });
      const stranger = await signIn();

      const { member_sessions } = await ctx.client.sessions.get({ organization_id: first.organizationId, member_id: first.memberId });

      expect(member_sessions.map((s) => s.member_session_id).sort()).toEqual([first.sessionId, second.sessionId].sort());
      expect(member_sessions.every((s) => s.member_id === first.memberId && s.organization_id === first.organizationId)).toBe(true);
      expect(member_sessions.map((s) => s.member_session_id)).not.toContain(stranger.sessionId);
    });
  });

  describe('revoke', () => {
    it.each([
      ['member_session_id', (s: SignedIn) => ({ member_session_id: s.sessionId })],
      ['session_token', (s: SignedIn) => ({ session_token: s.token })],
      ['session_jwt', (s: SignedIn) => ({ session_jwt: s.jwt })],
      ['member_id', (s: SignedIn) => ({ member_id: s.memberId })],
    ])('revokes by %s: the session fails authenticate immediately', async (_, target) => {
      const session = await signIn();
      const bystander = await signIn();

      const result = await ctx.client.sessions.revoke(target(session));

      expect(result.status_code).toBe(200);
      await expectRevoked(session);
      expect((await ctx.client.sessions.authenticate({ session_token: bystander.token })).member_session.member_session_id).toBe(
        bystander.sessionId,
      );
    });

    it('revokes every session of a member by member_id', async () => {
      const first = await signIn();
      const second = await signInAgain(first);

      await ctx.client.sessions.revoke({ member_id: first.memberId });

      await expectRevoked(first);
      await expectRevoked(second);
      expect((await ctx.client.sessions.get({ organization_id: first.organizationId, member_id: first.memberId })).member_sessions).toEqual(
        [],
      );
    });

    it('answers 404 for an unknown member_session_id and leaves live sessions alone', async () => {
      const session = await signIn();
      const unknownId = session.sessionId.replace(/[0-9a-f]{12}$/, '000000000000');

      await expectStytchError(ctx.client.sessions.revoke({ member_session_id: unknownId }), 404, 'session_not_found');

      expect((await sessionRow(session.sessionId)).revoked_at).toBeNull();
      expect((await ctx.client.sessions.authenticate({ session_token: session.token })).member_session.member_session_id).toBe(
        session.sessionId,
      );
    });

    it('ends every session of a member that is deleted', async () => {
      const first = await signIn();
      const second = await signInAgain(first);

      await ctx.client.organizations.members.delete({ organization_id: first.organizationId, member_id: first.memberId });

      await expectRevoked(first);
      await expectRevoked(second);
      const rows = await knex()('member_sessions').whereIn('id', [sessionUuid(first.sessionId), sessionUuid(second.sessionId)]);
      expect(rows.map((r: { revoked_at: Date | null }) => r.revoked_at)).toEqual([expect.any(Date), expect.any(Date)]);
    });
  });

  describe('JWTs and the JWKS', () => {
    it('serves public RS256 keys only, without authentication', async () => {
      const session = await signIn();

      const response = await jwks(ctx.app.project.projectId);

      expect(response.status).toBe(200);
      expect(response.body.keys.length).toBeGreaterThan(0);
      for (const key of response.body.keys) {
        expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: expect.any(String), n: expect.any(String), e: expect.any(String) });
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
      }
      expect(response.body.keys.map((k: { kid: string }) => k.kid)).toContain(kidOf(session.jwt));
      expect((await ctx.client.sessions.getJWKS({ project_id: ctx.app.project.projectId })).keys).toEqual(response.body.keys);
    });

    it('answers 404 project_not_found for an unknown project or a project named under the wrong environment', async () => {
      const unknown = await jwks('project-test-00000000-0000-4000-8000-000000000000');
      const wrongEnv = await jwks(ctx.app.project.projectId.replace(/^project-test-/, 'project-live-'));
      const garbage = await jwks('not-a-project');

      for (const response of [unknown, wrongEnv, garbage]) {
        expect(response.status).toBe(404);
        expectErrorEnvelope(response.body, 404, 'project_not_found');
      }
    });

    it('verifies a session JWT locally against the JWKS', async () => {
      const session = await signIn();

      const local = await freshClient(ctx.app.project).sessions.authenticateJwtLocal({ session_jwt: session.jwt });

      expect(local).toMatchObject({
        member_session_id: session.sessionId,
        member_id: session.memberId,
        organization_id: session.organizationId,
      });
      expect(local.authentication_factors[0]).toMatchObject({ type: 'magic_link', delivery_method: 'email' });
      const either = await ctx.client.sessions.authenticateJwt({ session_jwt: session.jwt });
      expect(either.member_session.member_session_id).toBe(session.sessionId);
    });

    it("carries Stytch's claims: sub, aud, iss = PUBLIC_URL, a five-minute life, the session and organization", async () => {
      const session = await signIn();
      const { member_session } = await ctx.client.sessions.authenticate({ session_token: session.token });
      const { organization } = await ctx.client.organizations.get({ organization_id: session.organizationId });

      const claims = decodeJwt(session.jwt);

      expect(decodeProtectedHeader(session.jwt)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
      expect(claims.sub).toBe(session.memberId);
      expect(claims.aud).toEqual(expect.arrayContaining([ctx.app.project.projectId]));
      expect(claims.iss).toBe(ctx.app.baseUrl);
      expect(claims.exp! - claims.iat!).toBe(300);
      expect(claims[SESSION_CLAIM]).toMatchObject({
        id: session.sessionId,
        authentication_factors: [expect.objectContaining({ type: 'magic_link', delivery_method: 'email' })],
        roles: member_session.roles,
      });
      const sessionClaim = claims[SESSION_CLAIM] as Record<string, string>;
      for (const field of ['started_at', 'expires_at'] as const) {
        expect(Math.floor(Date.parse(sessionClaim[field]) / 1000)).toBe(Date.parse(member_session[field]) / 1000);
      }
      expect(claims[ORGANIZATION_CLAIM]).toEqual({ organization_id: session.organizationId, slug: organization.organization_slug });
    });

    it("refuses a JWT of another project, remotely and locally, and another project's session token", async () => {
      const other = await ctx.app.newProject();
      const session = await signIn();

      await expectStytchError(other.client.sessions.authenticate({ session_jwt: session.jwt }), 401);
      await expect(freshClient(other).sessions.authenticateJwtLocal({ session_jwt: session.jwt })).rejects.toThrow();
      await expectStytchError(other.client.sessions.authenticate({ session_token: session.token }), 404, 'session_not_found');
      await expectStytchError(other.client.sessions.revoke({ session_token: session.token }), 404, 'session_not_found');
      expect((await sessionRow(session.sessionId)).revoked_at).toBeNull();
    });

    it('refuses a tampered JWT, remotely and locally', async () => {
      const session = await signIn();
      const victim = await signIn();
      const [header, , signature] = session.jwt.split('.');
      const forged = Buffer.from(JSON.stringify({ ...decodeJwt(session.jwt), sub: victim.memberId })).toString('base64url');
      const tampered = [header, forged, signature].join('.');

      await expectStytchError(ctx.client.sessions.authenticate({ session_jwt: tampered }), 401);
      await expect(freshClient(ctx.app.project).sessions.authenticateJwtLocal({ session_jwt: tampered })).rejects.toThrow();
    });
  });

  describe('key rotation', () => {
    /** Ages the project's active key past the 30-day limit and rotates. */
    async function ageAndRotate(kid: string): Promise<void> {
      await knex()('signing_keys')
        .where({ kid })
        .update({ created_at: knex().raw("now() - interval '31 days'") });
      const { retired } = await ctx.app.container.signingKeys.rotate();
      expect(retired).toBeGreaterThanOrEqual(1);
    }

    it('signs new JWTs with a new key while the old key stays published and its JWTs still verify', async () => {
      const project = await ctx.app.newProject();
      const session = await signIn(project);
      const oldKid = kidOf(session.jwt);

      await ageAndRotate(oldKid);
      const refreshed = await project.client.sessions.authenticate({ session_token: session.token });

      const newKid = kidOf(refreshed.session_jwt);
      expect(newKid).not.toBe(oldKid);
      expect((await jwks(project.projectId)).body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, newKid].sort());
      const verifier = freshClient(project).sessions;
      expect((await verifier.authenticateJwtLocal({ session_jwt: session.jwt })).member_session_id).toBe(session.sessionId);
      expect((await verifier.authenticateJwtLocal({ session_jwt: refreshed.session_jwt })).member_session_id).toBe(session.sessionId);
      expect((await project.client.sessions.authenticate({ session_jwt: session.jwt })).member_session.member_session_id).toBe(
        session.sessionId,
      );
    });

    it('deletes a retired key once its grace has passed: it leaves the JWKS and its JWTs stop verifying', async () => {
      const project = await ctx.app.newProject();
      const session = await signIn(project);
      const oldKid = kidOf(session.jwt);
      await ageAndRotate(oldKid);
      const refreshed = await project.client.sessions.authenticate({ session_token: session.token });
      await knex()('signing_keys')
        .where({ kid: oldKid })
        .update({ retired_at: knex().raw("now() - interval '11 minutes'") });

      const { deleted } = await ctx.app.container.signingKeys.rotate();

      expect(deleted).toBeGreaterThanOrEqual(1);
      expect(await knex()('signing_keys').where({ kid: oldKid }).first()).toBeUndefined();
      expect((await jwks(project.projectId)).body.keys.map((k: { kid: string }) => k.kid)).toEqual([kidOf(refreshed.session_jwt)]);
      await expect(freshClient(project).sessions.authenticateJwtLocal({ session_jwt: session.jwt })).rejects.toThrow();
      await expectStytchError(project.client.sessions.authenticate({ session_jwt: session.jwt }), 401);
      expect((await freshClient(project).sessions.authenticateJwtLocal({ session_jwt: refreshed.session_jwt })).member_session_id).toBe(
        session.sessionId,
      );
    });
  });
});
