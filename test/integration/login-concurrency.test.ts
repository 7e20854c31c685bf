import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';

/**
 * Bursts of sign-ins against a pool of two connections. Any code path that
 * holds a pooled connection while waiting for another deadlocks at once
 * here (two such requests are enough), so these tests fail fast instead of
 * stalling in production under forty.
 */
/** Sending forty real emails through the outbox, workers and SMTP on two connections takes a while on a busy CI machine. */
const SETUP_HEAVY_MS = 120_000;

describe('logins under concurrency, on a pool of two connections', () => {
  const ctx = useTestApp({ DATABASE_POOL_MAX: '2', DATABASE_ACQUIRE_TIMEOUT_MS: '5000' }, { workers: true, smtp: true });

  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;

  /** `count` active members of a fresh organization, each with the token of a login link sent to them. */
  async function membersWithLoginLinks(count: number) {
    const organization = await createOrganization(client());
    const members = await Promise.all(
      Array.from({ length: count }, () =>
        createMember(client(), organization.organization_id, { email_address: `${unique('burst')}@acme.com` }),
      ),
    );
    await Promise.all(
      members.map((m) =>
        client().magicLinks.email.loginOrSignup({ organization_id: organization.organization_id, email_address: m.email_address }),
      ),
    );
    const tokens = await Promise.all(members.map(async (m) => (await ctx.smtp.nthMessageTo(m.email_address, 1, 30_000)).token));
    return { organization, members, tokens };
  }

  it(
    'answers 40 simultaneous logins with distinct links, each with its own session',
    async () => {
      const { members, tokens } = await membersWithLoginLinks(40);

      const results = await Promise.all(tokens.map((magic_links_token) => client().magicLinks.authenticate({ magic_links_token })));

      expect(results.map((r) => r.status_code)).toEqual(Array(40).fill(200));
      expect(new Set(results.map((r) => r.member_id))).toEqual(new Set(members.map((m) => m.member_id)));
      expect(new Set(results.map((r) => r.member_session!.member_session_id)).size).toBe(40);
      const live = await knex()('member_sessions').whereIn(
        'member_id',
        knex()('members')
          .select('id')
          .whereIn(
            'email',
            members.map((m) => m.email_address),
          ),
      );
      expect(live).toHaveLength(40);
      const healthz = await fetch(`${ctx.app.baseUrl}/healthz`);
      expect(healthz.status).toBe(200);
    },
    SETUP_HEAVY_MS,
  );

  it('lets exactly one of 20 simultaneous redemptions of one link through', async () => {
    const { members, tokens } = await membersWithLoginLinks(1);

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => client().magicLinks.authenticate({ magic_links_token: tokens[0] })),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const failed of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(failed.reason).toMatchObject({ status_code: 401, error_type: 'unable_to_auth_magic_link' });
    }
    const sessions = await knex()('member_sessions').whereIn(
      'member_id',
      knex()('members').select('id').where({ email: members[0].email_address }),
    );
    expect(sessions).toHaveLength(1);
  });

  it(
    'authenticates sessions by token and by JWT in parallel while signing keys rotate, every JWT verifying against the JWKS',
    async () => {
      const project = await ctx.app.newProject();
      const organization = await createOrganization(project.client);
      const addresses = Array.from({ length: 8 }, () => `${unique('rot')}@acme.com`);
      await Promise.all(
        addresses.map((email_address) =>
          project.client.magicLinks.email.invite({ organization_id: organization.organization_id, email_address }),
        ),
      );
      const signedIn = await Promise.all(
        addresses.map(async (address) =>
          project.client.magicLinks.authenticate({ magic_links_token: (await ctx.smtp.nthMessageTo(address, 1, 30_000)).token }),
        ),
      );

      const kids = new Set<string>();
      const jwks = createRemoteJWKSet(new URL(`${ctx.app.baseUrl}/v1/b2b/sessions/jwks/${project.projectId}`), { cooldownDuration: 0 });
      for (let round = 0; round < 3; round++) {
        const calls = signedIn.flatMap((s) => [
          project.client.sessions.authenticate({ session_token: s.session_token }),
          project.client.sessions.authenticate({ session_jwt: s.session_jwt }),
        ]);
        // Age the active key past its limit and rotate while the calls are in flight.
        const rotation = knex()('signing_keys')
          .where({ project_id: project.projectId.replace(/^project-test-/, '') })
          .whereNull('retired_at')
          .update({ created_at: knex().raw("now() - interval '31 days'") })
          .then(() => ctx.app.container.signingKeys.rotate());
        const [answers] = await Promise.all([Promise.all(calls), rotation]);

        for (const [i, answer] of answers.entries()) {
          expect(answer.member_session.member_session_id).toBe(signedIn[Math.floor(i / 2)].member_session!.member_session_id);
          kids.add(decodeProtectedHeader(answer.session_jwt).kid!);
          const { payload } = await jwtVerify(answer.session_jwt, jwks, { audience: project.projectId });
          expect(payload.sub).toBe(signedIn[Math.floor(i / 2)].member_id);
        }
      }
      expect(kids.size).toBeGreaterThanOrEqual(2);
    },
    SETUP_HEAVY_MS,
  );

  it('keeps writes consistent when sessions are extended and revoked concurrently', async () => {
    const { tokens } = await membersWithLoginLinks(6);
    const sessions = await Promise.all(tokens.map((magic_links_token) => client().magicLinks.authenticate({ magic_links_token })));

    const outcomes = await Promise.allSettled(
      sessions.flatMap((s, i) => [
        client().sessions.authenticate({ session_token: s.session_token, session_duration_minutes: 120 + i }),
        client().sessions.revoke({ session_token: s.session_token }),
        client().sessions.authenticate({ session_jwt: s.session_jwt, session_custom_claims: { round: i } }),
      ]),
    );

    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ status_code: 404, error_type: 'session_not_found' });
    }
    for (const s of sessions) {
      await expectStytchError(client().sessions.authenticate({ session_token: s.session_token }), 404, 'session_not_found');
    }
  });

  it('merges custom claims sent by parallel authentications without losing any', async () => {
    const { tokens } = await membersWithLoginLinks(1);
    const login = await client().magicLinks.authenticate({ magic_links_token: tokens[0] });

    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client().sessions.authenticate({ session_token: login.session_token, session_custom_claims: { [`k${i}`]: i } }),
      ),
    );

    const { member_session } = await client().sessions.authenticate({ session_token: login.session_token });
    expect(member_session.custom_claims).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])));
  });

  it('records the last access of authenticated sessions without writing on the request path', async () => {
    const { tokens } = await membersWithLoginLinks(1);
    const login = await client().magicLinks.authenticate({ magic_links_token: tokens[0] });
    const id = login.member_session!.member_session_id.replace(/^member-session-test-/, '');
    await knex()('member_sessions')
      .where({ id })
      .update({ last_accessed_at: knex().raw("now() - interval '1 hour'") });

    const answered = await client().sessions.authenticate({ session_token: login.session_token });
    await ctx.app.container.sessionToucher.flush();

    const row = await knex()('member_sessions').where({ id }).first();
    expect(Math.abs(new Date(row.last_accessed_at).getTime() - new Date(answered.member_session.last_accessed_at).getTime())).toBeLessThan(
      2000,
    );
  });
});
