import { createHash } from 'node:crypto';
import { B2BClient } from 'stytch';
import { parseId, parseProjectId, uuidv7 } from '../../src/ids';
import { TEST_REDIRECT_URLS, useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { eventuallyValue } from '../helpers/eventually';
import { createMember, createOrganization, unique } from '../helpers/factories';

const CHALLENGE = createHash('sha256').update('a-verifier-of-at-least-forty-three-characters-long').digest('base64url');

/**
 * Discovery emails (issue 10): a magic link or a passcode that proves an
 * address before any organization is chosen — no organization, no member,
 * any address — through the real outbox, workers and SMTP.
 */
describe('discovery emails', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });

  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const address = () => `${unique('finder')}@somewhere.example`;
  const emailRows = (to: string) => knex()('emails').where({ to_normalized: to.toLowerCase() }).orderBy('created_at');
  /** The emails to `to` once none is queued any more (the message can arrive before its row records it). */
  const handledRows = (to: string) =>
    eventuallyValue(
      () => emailRows(to),
      (rows) => rows.length > 0 && rows.every((r) => r.status !== 'queued'),
      { what: `the emails to ${to} handled`, timeoutMs: 10_000 },
    );
  const tokenRow = (token: string) =>
    knex()('magic_link_tokens')
      .where({ token_hash: createHash('sha256').update(token).digest() })
      .first();
  const codeRows = (to: string) => knex()('otp_codes').where({ destination: to.toLowerCase() }).orderBy('created_at');
  const allowAnotherSend = (to: string) =>
    knex()('emails')
      .where({ to_normalized: to.toLowerCase() })
      .update({ created_at: knex().raw("created_at - interval '1 minute'") });
  const expectMinutesFromNow = (at: Date | string, minutes: number) =>
    expect(Math.abs(new Date(at).getTime() - (Date.now() + minutes * 60_000))).toBeLessThan(60_000);
  const sendLink = (email_address: string, extra: Record<string, unknown> = {}) =>
    client().magicLinks.email.discovery.send({ email_address, ...extra });
  const sendCode = (email_address: string, extra: Record<string, unknown> = {}) =>
    client().otps.email.discovery.send({ email_address, ...extra });

  describe('magic_links.email.discovery.send', () => {
    it('emails any address a discovery link, minting a token with no organization and no member', async () => {
      const to = address();

      const sent = await sendLink(to);

      expect(sent).toEqual({ request_id: expect.stringMatching(/^request-id-/), status_code: 200 });
      const email = await ctx.smtp.nthMessageTo(to, 1);
      expect(email.link).toBe(`${TEST_REDIRECT_URLS[0]}?stytch_token_type=discovery&token=${email.token}`);
      // Discovery emails name the application: the project (its name is "project test" in tests).
      expect(email.raw).toMatch(/^Subject: Your link to project test/m);
      const [row] = await handledRows(to);
      expect(row).toMatchObject({ kind: 'discovery', organization_id: null, member_id: null, status: 'sent', attempts: 1 });
      const token = await tokenRow(email.token);
      expect(token).toMatchObject({
        kind: 'discovery',
        organization_id: null,
        member_id: null,
        email_id: row.id,
        email_normalized: to.toLowerCase(),
        pkce_code_challenge: null,
        used_at: null,
      });
      expectMinutesFromNow(token.expires_at, 60);
      // Not an organization's link: magic_links.authenticate refuses it (magic_links.discovery.authenticate takes it).
      await expectStytchError(client().magicLinks.authenticate({ magic_links_token: email.token }), 401, 'unable_to_auth_magic_link');
    });

    it('links to the discovery_redirect_url given, keeps the PKCE challenge and the expiry asked for', async () => {
      const to = address();
      await sendLink(to.toUpperCase(), {
        discovery_redirect_url: TEST_REDIRECT_URLS[1],
        pkce_code_challenge: CHALLENGE,
        discovery_expiration_minutes: 30,
      });
      const email = await ctx.smtp.nthMessageTo(to, 1);
      expect(email.link).toBe(`${TEST_REDIRECT_URLS[1]}?stytch_token_type=discovery&token=${email.token}`);
      const token = await tokenRow(email.token);
      expect(token).toMatchObject({ pkce_code_challenge: CHALLENGE, email_normalized: to.toLowerCase() });
      expectMinutesFromNow(token.expires_at, 30);
    });

    it.each([
      [
        'a redirect URL off the allowlist',
        { discovery_redirect_url: 'https://evil.example.net/authenticate' },
        'invalid_discovery_redirect_url',
      ],
      ['an empty redirect URL', { discovery_redirect_url: '' }, 'invalid_redirect_url'],
      ['an expiry under 5 minutes', { discovery_expiration_minutes: 4 }, 'invalid_discovery_expiration_minutes'],
      ['an expiry over a week', { discovery_expiration_minutes: 10_081 }, 'invalid_discovery_expiration_minutes'],
      ['a malformed PKCE challenge', { pkce_code_challenge: 'short' }, 'invalid_pkce_code_challenge'],
    ])('refuses %s with a 400, queueing nothing', async (_label, extra, errorType) => {
      const to = address();
      await expectStytchError(sendLink(to, extra), 400, errorType);
      expect(await emailRows(to)).toHaveLength(0);
    });

    it('refuses a malformed address', async () => {
      await expectStytchError(sendLink('not an address'), 400, 'invalid_email');
    });

    it('refuses to guess a redirect URL for a project that has none', async () => {
      const { projectId, secret } = await ctx.app.container.projects.create('bare project', 'test', []);
      const bare = new B2BClient({ project_id: projectId, secret, env: `${ctx.app.baseUrl}/` });
      const to = address();
      await expectStytchError(bare.magicLinks.email.discovery.send({ email_address: to }), 400, 'no_discovery_redirect_urls_set');
      expect(await emailRows(to)).toHaveLength(0);
    });

    it('answers parallel sends to one address with one email and 429s for the rest', async () => {
      const to = address();
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => sendLink(to)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(r.reason).toMatchObject({ status_code: 429, error_type: 'too_many_requests' });
      }
      expect(await emailRows(to)).toHaveLength(1);
      await ctx.smtp.nthMessageTo(to, 1);
    });
  });

  describe('otps.email.discovery.send', () => {
    it('emails any address a discovery code, minted with no organization and no member', async () => {
      const to = address();

      const sent = await sendCode(to);

      expect(sent).toEqual({ request_id: expect.stringMatching(/^request-id-/), status_code: 200 });
      const email = await ctx.smtp.nthMessageTo(to, 1);
      expect(email.code).toMatch(/^\d{6}$/);
      expect(email.link).toBe('');
      expect(email.raw).toMatch(/^Subject: Your code for project test/m);
      const [row] = await handledRows(to);
      expect(row).toMatchObject({ kind: 'otp_discovery', organization_id: null, member_id: null, redirect_url: null, status: 'sent' });
      const [code] = await codeRows(to);
      expect(code).toMatchObject({
        channel: 'email',
        destination: to.toLowerCase(),
        organization_id: null,
        member_id: null,
        email_id: row.id,
        attempts: 0,
        used_at: null,
      });
      expectMinutesFromNow(code.expires_at, 10);
    });

    it('takes discovery_expiration_minutes, and voids the earlier code when another is sent', async () => {
      const to = address();
      await sendCode(to, { discovery_expiration_minutes: 2 });
      await ctx.smtp.nthMessageTo(to, 1);
      await allowAnotherSend(to);
      await sendCode(to, { discovery_expiration_minutes: 15 });
      await ctx.smtp.nthMessageTo(to, 2);

      const [first, second] = await codeRows(to);
      expect(first.used_at).not.toBeNull();
      expect(second.used_at).toBeNull();
      expectMinutesFromNow(second.expires_at, 15);
    });

    it("is not an organization's code: otps.email.authenticate refuses it", async () => {
      const organization = await createOrganization(client());
      const to = `${unique('member')}@acme.com`;
      await createMember(client(), organization.organization_id, { email_address: to });
      await sendCode(to);
      const { code } = await ctx.smtp.nthMessageTo(to, 1);

      await expectStytchError(
        client().otps.email.authenticate({ organization_id: organization.organization_id, email_address: to, code }),
        404,
        'otp_code_not_found',
      );
      // Nor did that count against the discovery code.
      expect((await codeRows(to))[0]).toMatchObject({ attempts: 0, used_at: null });
    });

    it.each([
      ['an expiry under 2 minutes', { discovery_expiration_minutes: 1 }, 'invalid_discovery_expiration_minutes'],
      ['an expiry over 15 minutes', { discovery_expiration_minutes: 16 }, 'invalid_discovery_expiration_minutes'],
    ])('refuses %s with a 400, queueing nothing', async (_label, extra, errorType) => {
      const to = address();
      await expectStytchError(sendCode(to, extra), 400, errorType);
      expect(await emailRows(to)).toHaveLength(0);
    });

    it('answers parallel sends to one address with one email and 429s for the rest', async () => {
      const to = address();
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => sendCode(to)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(r.reason).toMatchObject({ status_code: 429, error_type: 'too_many_requests' });
      }
      await ctx.smtp.nthMessageTo(to, 1);
      expect(await emailRows(to)).toHaveLength(1);
      expect(await codeRows(to)).toHaveLength(1);
    });
  });

  describe('sending', () => {
    it("sends a discovery email (no member) while failing, in the same batch, an organization's email whose member is gone", async () => {
      const organization = await createOrganization(client());
      const gone = `${unique('gone')}@acme.com`;
      const member = await createMember(client(), organization.organization_id, { email_address: gone });
      const finder = address();
      const projectId = parseProjectId(ctx.app.project.projectId)!.uuid;
      const row = (fields: Record<string, unknown>) => ({
        id: uuidv7(),
        project_id: projectId,
        redirect_url: TEST_REDIRECT_URLS[0],
        expiration_minutes: 60,
        ...fields,
      });
      // Rows alone, without the outbox entries a request writes: only this call sends them.
      const discovery = row({ kind: 'discovery', to_address: finder, to_normalized: finder });
      const login = row({
        kind: 'login',
        organization_id: parseId('organization', 'test', organization.organization_id)!,
        member_id: parseId('member', 'test', member.member_id)!,
        to_address: gone,
        to_normalized: gone,
      });
      await knex()('emails').insert([discovery, login]);
      await client().organizations.members.delete({ organization_id: organization.organization_id, member_id: member.member_id });

      expect(await ctx.app.container.emails.sendAll([discovery.id, login.id])).toEqual({ sent: 1 });

      const statuses = await knex()('emails').whereIn('id', [discovery.id, login.id]).select('id', 'status', 'last_error');
      expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({ [discovery.id]: 'sent', [login.id]: 'failed' });
      await ctx.smtp.nthMessageTo(finder, 1);
      expect(await knex()('magic_link_tokens').where({ email_id: login.id })).toHaveLength(0);
    });

    it('refuses a code email with a redirect URL missing only for code kinds (emails__redirect_url__check)', async () => {
      const projectId = parseProjectId(ctx.app.project.projectId)!.uuid;
      const to = address();
      const base = { project_id: projectId, to_address: to, to_normalized: to, expiration_minutes: 10 };
      await expect(knex()('emails').insert({ ...base, id: uuidv7(), kind: 'discovery', redirect_url: null })).rejects.toThrow(
        /emails__redirect_url__check/,
      );
      await knex()('emails').insert({ ...base, id: uuidv7(), kind: 'otp_discovery', redirect_url: null });
    });
  });
});
