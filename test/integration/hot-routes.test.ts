import { MemberModel } from '../../src/models/member.model';
import { OrganizationModel } from '../../src/models/organization.model';
import { parseId } from '../../src/ids';
import { useTestApp, type RawRequest, type RawResponse } from '../helpers/app';
import { createMember, createOrganization } from '../helpers/factories';

/**
 * sessions.authenticate is answered by the hot path (src/api/hot-routes.ts)
 * when a request is plain, and by Express otherwise. Both must answer every
 * request alike: each case here is sent both ways and compared.
 */
describe('the hot path answers as the Express route does', () => {
  const ctx = useTestApp();
  const PATH = '/v1/b2b/sessions/authenticate';
  // Not one of the exact JSON content types the hot path takes, yet JSON to Express: this request goes through Express.
  const VIA_EXPRESS = 'application/json; charset=utf-8; profile=x';

  let token: string;
  let jwt: string;
  let organizationId: string;

  beforeAll(async () => {
    const { container, project } = ctx.app;
    const context = await container.projects.authenticate(project.projectId, project.secret);
    const organization = await createOrganization(project.client);
    organizationId = organization.organization_id;
    const member = await createMember(project.client, organization.organization_id);
    const organizationRow = await OrganizationModel.query(container.knex).findById(
      parseId('organization', 'test', organization.organization_id)!,
    );
    const memberRow = await MemberModel.query(container.knex).findById(parseId('member', 'test', member.member_id)!);
    const factor = { type: 'magic_link', delivery_method: 'email', last_authenticated_at: new Date().toISOString() };
    const started = await container.sessions.start(container.knex, context, memberRow!, organizationRow!, [factor]);
    ({ token, jwt } = await container.sessions.issue(context, started));
  });

  /** Sends one body both ways; the answers must match apart from per-call values. */
  async function bothWays(body: string, auth?: RawRequest['auth']): Promise<[RawResponse, RawResponse]> {
    const send = (contentType: string) => ctx.app.http('POST', PATH, { body, auth, headers: { 'content-type': contentType } });
    // Express's app function hands every request it gets to app.handle.
    const expressHandled = jest.spyOn(ctx.app.express as unknown as { handle: () => void }, 'handle');
    const hot = await send('application/json');
    expect(expressHandled).not.toHaveBeenCalled();
    const express = await send(VIA_EXPRESS);
    expect(expressHandled).toHaveBeenCalledTimes(1);
    expressHandled.mockRestore();
    expect(hot.status).toBe(express.status);
    expect(hot.headers.get('content-type')).toBe(express.headers.get('content-type'));
    expect(hot.headers.get('x-request-id')).toBe(hot.body.request_id);
    expect(express.headers.get('x-request-id')).toBe(express.body.request_id);
    return [hot, express];
  }

  /** An error answer without its request id, which differs per call. */
  const envelope = ({ body }: RawResponse) => ({ ...body, request_id: expect.stringMatching(/^request-id-/) });

  it('authenticates a session token and a JWT, with the same fields', async () => {
    for (const input of [{ session_token: token }, { session_jwt: jwt }]) {
      const [hot, express] = await bothWays(JSON.stringify(input));
      expect(hot.status).toBe(200);
      expect(Object.keys(hot.body).sort()).toEqual(Object.keys(express.body).sort());
      expect(hot.body.member_session.member_session_id).toBe(express.body.member_session.member_session_id);
      expect(hot.body.member).toEqual(express.body.member);
      expect(hot.body.organization).toEqual(express.body.organization);
      expect(hot.body.request_id).toMatch(/^request-id-test-/);
    }
  });

  it.each([
    ['an unknown token', JSON.stringify({ session_token: 'no-such-token' })],
    ['no session named', JSON.stringify({})],
    ['a mistyped field', JSON.stringify({ session_token: 42 })],
    ['a bad duration', JSON.stringify({ session_token: 'x', session_duration_minutes: 1 })],
    ['malformed JSON', '{"session_token": '],
    ['a JSON scalar', '"session_token"'],
    ['a JSON array', '[]'],
    ['a NUL character', JSON.stringify({ session_token: 'a\u0000b' })],
    ['a lone surrogate', '{"session_token": "\\ud800"}'],
    ['JSON nested too deep', `{"session_custom_claims": ${'['.repeat(40)}${']'.repeat(40)}}`],
    ['stytch claims in custom claims', JSON.stringify({ session_token: 'x', session_custom_claims: { 'https://stytch.com/x': 1 } })],
  ])('answers %s with the same error', async (_case, body) => {
    const [hot, express] = await bothWays(body);
    expect(hot.status).toBeGreaterThanOrEqual(400);
    expect(hot.status).toBeLessThan(500);
    expect(hot.body).toEqual(envelope(express));
  });

  it('answers an authorization check with the same verdict', async () => {
    const check = { organization_id: organizationId, resource_id: 'stytch.self', action: 'update.info.name' };
    const [hot, express] = await bothWays(JSON.stringify({ session_token: token, authorization_check: check }));
    expect(hot.status).toBe(200);
    expect(hot.body.verdict).toEqual({ authorized: true, granting_roles: ['stytch_member'] });
    expect(express.body.verdict).toEqual(hot.body.verdict);
  });

  it.each([
    ['an action the roles do not grant', { resource_id: 'stytch.organization', action: 'delete' }],
    ['another organization', { organization_id: 'organization-test-00000000-0000-7000-8000-000000000000' }],
    ['a check without its action', { action: undefined }],
  ])('refuses an authorization check naming %s with the same error', async (_case, change) => {
    const check = { organization_id: organizationId, resource_id: 'stytch.self', action: 'update.info.name', ...change };
    const [hot, express] = await bothWays(JSON.stringify({ session_jwt: jwt, authorization_check: check }));
    expect(hot.status).toBeGreaterThanOrEqual(400);
    expect(hot.status).toBeLessThan(500);
    expect(hot.body).toEqual(envelope(express));
  });

  it('refuses bad credentials before reading the body, both ways', async () => {
    const [hot, express] = await bothWays('{"session_token": ', { projectId: ctx.app.project.projectId, secret: 'wrong' });
    expect(hot.status).toBe(401);
    expect(hot.body).toEqual(envelope(express));
  });

  it('leaves unusual requests to Express: chunked bodies, other charsets, doubled headers', async () => {
    const chunked = await fetch(`${ctx.app.baseUrl}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic() },
      body: new Blob([JSON.stringify({ session_token: token })]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    const latin1 = await ctx.app.http('POST', PATH, {
      body: JSON.stringify({ session_token: token }),
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    });
    expect(latin1.status).toBe(415);
    expect(latin1.body.error_type).toBe('unsupported_encoding');
  });

  function basic(): string {
    return `Basic ${Buffer.from(`${ctx.app.project.projectId}:${ctx.app.project.secret}`).toString('base64')}`;
  }
});

/**
 * The two exchanges are hot routes too, and answer their common case (a
 * member there, active and verified, whose carried factors earn a session)
 * without the authentication flow's transaction; anything else falls back to
 * the flow. Both ways must answer alike, and the fallback must decide.
 */
describe('the exchanges on the hot path', () => {
  const ctx = useTestApp();
  const VIA_EXPRESS = 'application/json; charset=utf-8; profile=x';
  const factor = { type: 'magic_link', delivery_method: 'email', last_authenticated_at: new Date().toISOString() };

  let email: string;
  let sessionToken: string;
  let sessionJwt: string;
  let targetId: string;
  let memberId: string;

  beforeAll(async () => {
    const { container, project } = ctx.app;
    const home = await createOrganization(project.client);
    const target = await createOrganization(project.client);
    targetId = target.organization_id;
    const member = await createMember(project.client, home.organization_id);
    email = member.email_address;
    memberId = (await createMember(project.client, targetId, { email_address: email })).member_id;
    const context = await container.projects.authenticate(project.projectId, project.secret);
    const row = await MemberModel.query(container.knex).findById(parseId('member', 'test', member.member_id)!);
    const organization = await OrganizationModel.query(container.knex).findById(parseId('organization', 'test', home.organization_id)!);
    ({ token: sessionToken, jwt: sessionJwt } = await container.sessions.issue(
      context,
      await container.sessions.start(container.knex, context, row!, organization!, [factor]),
    ));
  });

  const send = (path: string, body: unknown, contentType: string) =>
    ctx.app.http('POST', path, { body: JSON.stringify(body), headers: { 'content-type': contentType } });

  async function intermediateSession(): Promise<string> {
    const { container, project } = ctx.app;
    const context = await container.projects.authenticate(project.projectId, project.secret);
    const proved = { ...factor, email_factor: { email_id: '', email_address: email } };
    return (await container.intermediateSessions.start(container.knex, context, { email }, [proved])).token;
  }

  it('enters the first time through the flow (the invite-like unverified member is verified), then directly', async () => {
    const flow = jest.spyOn(ctx.app.container.authenticationFlow, 'run');
    const path = '/v1/b2b/sessions/exchange';
    const first = await send(path, { organization_id: targetId, session_token: sessionToken }, 'application/json');
    expect(first.status).toBe(200);
    expect(first.body.member).toMatchObject({ member_id: memberId, email_address_verified: true });
    expect(flow).toHaveBeenCalledTimes(1);
    flow.mockClear();
    const hot = await send(path, { organization_id: targetId, session_token: sessionToken }, 'application/json');
    const express = await send(path, { organization_id: targetId, session_jwt: sessionJwt }, VIA_EXPRESS);
    expect(flow).not.toHaveBeenCalled();
    flow.mockRestore();
    for (const answer of [first, hot, express]) {
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(Object.keys(first.body).sort());
      expect(answer.body.member_authenticated).toBe(true);
      expect(answer.body.member_session).toMatchObject({ member_id: memberId, organization_id: targetId });
      expect(answer.body.member_session.authentication_factors.map((f: { type: string }) => f.type)).toEqual(['magic_link']);
    }
    expect(new Set([first, hot, express].map((a) => a.body.member_session.member_session_id)).size).toBe(3);
    // The session the SDK gets back authenticates in the organization entered.
    const authenticated = await ctx.app.project.client.sessions.authenticate({ session_jwt: hot.body.session_jwt });
    expect(authenticated.organization.organization_id).toBe(targetId);
  });

  it('spends an intermediate session once, hot or through Express', async () => {
    const path = '/v1/b2b/discovery/intermediate_sessions/exchange';
    for (const contentType of ['application/json', VIA_EXPRESS]) {
      const intermediate_session_token = await intermediateSession();
      const body = { intermediate_session_token, organization_id: targetId, session_custom_claims: { team: 'blue' } };
      const entered = await send(path, body, contentType);
      expect(entered.status).toBe(200);
      expect(entered.body.member_session).toMatchObject({ member_id: memberId, custom_claims: { team: 'blue' } });
      const again = await send(path, body, contentType);
      expect(again.status).toBe(404);
      expect(again.body.error_type).toBe('intermediate_session_not_found');
    }
  });

  it('refuses bad custom claims and spends nothing', async () => {
    const path = '/v1/b2b/discovery/intermediate_sessions/exchange';
    const intermediate_session_token = await intermediateSession();
    const sessionsBefore = await ctx.app.container.knex('member_sessions').count({ n: '*' }).first();
    const refused = await send(
      path,
      { intermediate_session_token, organization_id: targetId, session_custom_claims: { sub: 'someone else' } },
      'application/json',
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('reserved_claims_in_custom_claims');
    expect(await ctx.app.container.knex('member_sessions').count({ n: '*' }).first()).toEqual(sessionsBefore);
    const entered = await send(path, { intermediate_session_token, organization_id: targetId }, 'application/json');
    expect(entered.status).toBe(200);
  });

  it('gives one of ten racing exchanges of an intermediate session the session', async () => {
    const path = '/v1/b2b/discovery/intermediate_sessions/exchange';
    const intermediate_session_token = await intermediateSession();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => send(path, { intermediate_session_token, organization_id: targetId }, 'application/json')),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 404 && a.body.error_type === 'intermediate_session_not_found')).toHaveLength(9);
  });
});
