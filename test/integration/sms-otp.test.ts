import { createHmac, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { B2BClient } from 'stytch';
import { startTestApp, useTestApp, type TestApp } from '../helpers/app';
import { expectErrorEnvelope, expectStytchError } from '../helpers/assertions';
import { eventually } from '../helpers/eventually';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { startWorkers, type Workers } from '../../workers';

/** A number of the 555 range no other test texts (the per-number rate limit is per project, and tests share one). */
const newNumber = () => `+1555${randomInt(1_000_000, 9_999_999)}`;

type Message = { sms_id: string; to: string; status: string; transport: string | null; body: string | null; last_error: string | null };

/** The project's SMS messages to a member, newest first (Roster's outbox listing, which the SDK does not know). */
async function messagesOf(app: TestApp, memberId: string): Promise<Message[]> {
  const res = await app.http('GET', `/v1/b2b/sms_messages?member_id=${encodeURIComponent(memberId)}`);
  if (res.status !== 200) throw new Error(`listing answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.sms_messages;
}

/** The code of the `count`-th text the dev outbox captured for a member (1-based, oldest first), waiting for it. */
async function nthCode(app: TestApp, memberId: string, count = 1): Promise<string> {
  return eventually(
    async () => {
      const captured = (await messagesOf(app, memberId)).filter((m) => m.status === 'captured').reverse();
      if (captured.length < count) throw new Error(`${captured.length} captured`);
      return /^(\d{6}) /.exec(captured[count - 1].body ?? '')![1];
    },
    { what: `text ${count} to ${memberId}` },
  );
}

describe('SMS passcodes as an MFA factor', () => {
  const ctx = useTestApp({}, { workers: true, smtp: true });
  const client = () => ctx.app.project.client;
  const knex = () => ctx.app.container.knex;
  const code = (memberId: string, count = 1) => nthCode(ctx.app, memberId, count);

  /** An organization that asks every member for MFA, and an active member of it. */
  async function mfaMember(orgOverrides: Record<string, unknown> = {}, memberOverrides: Record<string, unknown> = {}) {
    const organization = await createOrganization(client(), { mfa_policy: 'REQUIRED_FOR_ALL', ...orgOverrides });
    const email = `${unique('person')}@acme.com`;
    const member = await createMember(client(), organization.organization_id, { email_address: email, ...memberOverrides });
    return { organization_id: organization.organization_id, member_id: member.member_id, email };
  }

  /** Emails the member a login link and follows it: the primary factor, answered with an intermediate session. */
  async function loginByLink(who: { organization_id: string; email: string }, nth = 1) {
    await client().magicLinks.email.loginOrSignup({ organization_id: who.organization_id, email_address: who.email });
    const email = await ctx.smtp.nthMessageTo(who.email, nth);
    const auth = await client().magicLinks.authenticate({ magic_links_token: email.token });
    expect(auth.member_authenticated).toBe(false);
    return auth;
  }

  /** Moves earlier texts to a number and emails to an address out of their rate-limit windows. */
  async function allowAnotherSend(number: string, email?: string) {
    await knex()('sms_messages')
      .where({ to_number: number })
      .update({ created_at: knex().raw("created_at - interval '31 seconds'") });
    if (email) {
      await knex()('emails')
        .where({ to_normalized: email.toLowerCase() })
        .update({ created_at: knex().raw("created_at - interval '1 minute'") });
    }
  }

  /** Texts a first code to a new number and proves it: the member then holds a verified number (and sms_otp as default). */
  async function enroll(who: { organization_id: string; member_id: string; email: string }) {
    const number = newNumber();
    const { intermediate_session_token } = await loginByLink(who);
    await client().otps.sms.send({ ...ids(who), mfa_phone_number: number, intermediate_session_token });
    const auth = await client().otps.sms.authenticate({ ...ids(who), code: await code(who.member_id), intermediate_session_token });
    return { number, auth };
  }
  const ids = (who: { organization_id: string; member_id: string }) => ({ organization_id: who.organization_id, member_id: who.member_id });

  it('texts a code to a new number and completes MFA after a magic link: a session with both factors', async () => {
    const who = await mfaMember();
    const number = newNumber();
    const primary = await loginByLink(who);
    expect(primary.mfa_required).toEqual({
      member_options: { mfa_phone_number: '', totp_registration_id: '' },
      secondary_auth_initiated: null,
    });

    const sent = await client().otps.sms.send({
      ...ids(who),
      mfa_phone_number: number,
      intermediate_session_token: primary.intermediate_session_token,
    });
    expect(sent.member).toMatchObject({ mfa_phone_number: number, mfa_phone_number_verified: false });
    const message = await eventually(async () => (await messagesOf(ctx.app, who.member_id)).find((m) => m.status === 'captured'), {
      what: 'the captured text',
    });
    expect(message).toMatchObject({ to: number, transport: 'dev-outbox', last_error: null });
    expect(message.sms_id).toMatch(/^sms-test-/);
    expect(message.body).toMatch(/^\d{6} is your Acme Corp verification code\. It expires in 2 minutes\.$/);

    const auth = await client().otps.sms.authenticate({
      ...ids(who),
      code: await code(who.member_id),
      intermediate_session_token: primary.intermediate_session_token,
      session_duration_minutes: 120,
    });
    expect(auth.session_token).not.toBe('');
    // REQUIRED_FOR_ALL asks everyone for MFA; it does not enroll the member (as TOTP does not).
    expect(auth.member).toMatchObject({
      mfa_phone_number: number,
      mfa_phone_number_verified: true,
      mfa_enrolled: false,
      default_mfa_method: 'sms_otp',
    });
    const factors = auth.member_session!.authentication_factors;
    expect(factors.map((f) => [f.type, f.delivery_method])).toEqual([
      ['magic_link', 'email'],
      ['otp', 'sms'],
    ]);
    const phoneFactor = factors[1].phone_number_factor!;
    expect(phoneFactor.phone_number).toBe(number);
    expect(phoneFactor.phone_id).toMatch(/^phone-number-test-[0-9a-f-]{36}$/);

    const remote = await client().sessions.authenticate({ session_token: auth.session_token });
    expect(remote.member_session.authentication_factors).toHaveLength(2);
    // The intermediate session was spent, and so was the code.
    await expectStytchError(
      client().otps.sms.authenticate({ ...ids(who), code: '000000', intermediate_session_token: primary.intermediate_session_token }),
      404,
      'intermediate_session_not_found',
    );
  });

  it('texts a code at once after the primary factor when the member has a verified number (secondary_auth_initiated)', async () => {
    const who = await mfaMember();
    const { number, auth: first } = await enroll(who);
    // The same phone factor id on every session of this member and number.
    const phoneId = first.member_session!.authentication_factors[1].phone_number_factor!.phone_id;
    await allowAnotherSend(number, who.email);

    const primary = await loginByLink(who, 2);
    expect(primary.mfa_required).toEqual({
      member_options: { mfa_phone_number: number, totp_registration_id: '' },
      secondary_auth_initiated: 'sms_otp',
    });
    const auth = await client().otps.sms.authenticate({
      ...ids(who),
      code: await code(who.member_id, 2),
      intermediate_session_token: primary.intermediate_session_token,
    });
    expect(auth.member_session!.authentication_factors[1].phone_number_factor).toEqual({ phone_id: phoneId, phone_number: number });
  });

  it('initiates nothing, and answers null, while the number is within its rate limit', async () => {
    const who = await mfaMember();
    const { number } = await enroll(who);
    await knex()('emails')
      .where({ to_normalized: who.email.toLowerCase() })
      .update({ created_at: knex().raw("created_at - interval '1 minute'") });
    const primary = await loginByLink(who, 2);
    expect(primary.mfa_required?.secondary_auth_initiated).toBeNull();
    expect(await knex()('sms_messages').where({ to_number: number })).toHaveLength(1);
  });

  it('refuses a wrong code, counting it, and still takes the right one', async () => {
    const who = await mfaMember();
    const number = newNumber();
    const { intermediate_session_token } = await loginByLink(who);
    await client().otps.sms.send({ ...ids(who), mfa_phone_number: number, intermediate_session_token });
    const right = await code(who.member_id);
    const wrong = right === '111111' ? '222222' : '111111';

    await expectStytchError(
      client().otps.sms.authenticate({ ...ids(who), code: wrong, intermediate_session_token }),
      404,
      'otp_code_not_found',
    );
    const [row] = await knex()('otp_codes').where({ channel: 'sms', destination: number });
    expect(row).toMatchObject({ attempts: 1, used_at: null });
    const member = await client().organizations.members.get({ ...ids(who) });
    expect(member.member.mfa_phone_number_verified).toBe(false);

    const auth = await client().otps.sms.authenticate({ ...ids(who), code: right, intermediate_session_token });
    expect(auth.member.mfa_phone_number_verified).toBe(true);
  });

  it('ignores set_mfa_enrollment under REQUIRED_FOR_ALL, as TOTP does, and applies it otherwise', async () => {
    // REQUIRED_FOR_ALL: neither enroll nor unenroll changes mfa_enrolled.
    for (const [enrolled, set] of [
      [false, 'enroll'],
      [true, 'unenroll'],
    ] as const) {
      const who = await mfaMember({}, { mfa_enrolled: enrolled });
      const { intermediate_session_token } = await loginByLink(who);
      await client().otps.sms.send({ ...ids(who), mfa_phone_number: newNumber(), intermediate_session_token });
      const auth = await client().otps.sms.authenticate({
        ...ids(who),
        code: await code(who.member_id),
        intermediate_session_token,
        set_mfa_enrollment: set,
      });
      expect(auth.member).toMatchObject({ mfa_phone_number_verified: true, mfa_enrolled: enrolled });
    }

    // OPTIONAL: a member signed in by its magic link alone enrolls, then unenrolls.
    const who = await mfaMember({ mfa_policy: 'OPTIONAL' });
    const login = await client().magicLinks.email.loginOrSignup({ organization_id: who.organization_id, email_address: who.email });
    expect(login.member_id).toBe(who.member_id);
    const link = await ctx.smtp.nthMessageTo(who.email, 1);
    const { session_token } = await client().magicLinks.authenticate({ magic_links_token: link.token });
    const number = newNumber();
    await client().otps.sms.send({ ...ids(who), mfa_phone_number: number, session_token });
    const enrolled = await client().otps.sms.authenticate({
      ...ids(who),
      code: await code(who.member_id),
      session_token,
      set_mfa_enrollment: 'enroll',
    });
    expect(enrolled.member.mfa_enrolled).toBe(true);
    await allowAnotherSend(number);
    await client().otps.sms.send({ ...ids(who), session_token: enrolled.session_token });
    const unenrolled = await client().otps.sms.authenticate({
      ...ids(who),
      code: await code(who.member_id, 2),
      session_token: enrolled.session_token,
      set_mfa_enrollment: 'unenroll',
    });
    expect(unenrolled.member.mfa_enrolled).toBe(false);
  });

  it('refuses a malformed code (400 invalid_code) without counting it as a guess', async () => {
    const who = await mfaMember();
    const number = newNumber();
    const { intermediate_session_token } = await loginByLink(who);
    await client().otps.sms.send({ ...ids(who), mfa_phone_number: number, intermediate_session_token });
    const right = await code(who.member_id);
    for (const bad of ['12345', '1234567', 'abcdef', ' 123456', '', right + ' ']) {
      await expectStytchError(client().otps.sms.authenticate({ ...ids(who), code: bad, intermediate_session_token }), 400, 'invalid_code');
    }
    const [row] = await knex()('otp_codes').where({ channel: 'sms', destination: number });
    expect(row).toMatchObject({ attempts: 0, used_at: null });
    const auth = await client().otps.sms.authenticate({ ...ids(who), code: right, intermediate_session_token });
    expect(auth.member.mfa_phone_number_verified).toBe(true);
  });

  it('voids a code after five wrong guesses: the right one no longer works', async () => {
    const who = await mfaMember();
    const { intermediate_session_token } = await loginByLink(who);
    await client().otps.sms.send({ ...ids(who), mfa_phone_number: newNumber(), intermediate_session_token });
    const right = await code(who.member_id);
    const wrongs = [1, 2, 3, 4, 5].map((i) => String((Number(right) + i) % 1_000_000).padStart(6, '0'));
    for (const wrong of wrongs) {
      await expectStytchError(
        client().otps.sms.authenticate({ ...ids(who), code: wrong, intermediate_session_token }),
        404,
        'otp_code_not_found',
      );
    }
    await expectStytchError(
      client().otps.sms.authenticate({ ...ids(who), code: right, intermediate_session_token }),
      404,
      'otp_code_not_found',
    );
  });

  it('redeems one code once when it is presented ten times at once', async () => {
    const who = await mfaMember();
    const { intermediate_session_token } = await loginByLink(who);
    await client().otps.sms.send({ ...ids(who), mfa_phone_number: newNumber(), intermediate_session_token });
    const right = await code(who.member_id);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client().otps.sms.authenticate({ ...ids(who), code: right, intermediate_session_token })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    // A loser finds the code spent, or (when the winner is done) the intermediate session spent too.
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expectErrorEnvelope(r.reason, 404, /^(otp_code_not_found|intermediate_session_not_found)$/);
    }
    expect(await knex()('member_sessions').where({ member_id: who.member_id.replace(/^member-test-/, '') })).toHaveLength(1);
  });

  it('texts one of ten parallel sends to a number and refuses the others with too_many_requests', async () => {
    const who = await mfaMember();
    const number = newNumber();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client().otps.sms.send({ ...ids(who), mfa_phone_number: number })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expectErrorEnvelope(r.reason, 429, 'too_many_requests');
    }
    await code(who.member_id);
    expect(await knex()('sms_messages').where({ to_number: number })).toHaveLength(1);
  });

  it('allows five texts an hour to a number, however spaced', async () => {
    const who = await mfaMember();
    const number = newNumber();
    for (let i = 0; i < 5; i++) {
      await client().otps.sms.send({ ...ids(who), mfa_phone_number: number });
      await allowAnotherSend(number);
    }
    await expectStytchError(client().otps.sms.send({ ...ids(who) }), 429, 'too_many_requests');
    expect(await knex()('sms_messages').where({ to_number: number })).toHaveLength(5);
  });

  describe('refuses, changing nothing', () => {
    it('a number that is not E.164', async () => {
      const who = await mfaMember();
      await expectStytchError(client().otps.sms.send({ ...ids(who), mfa_phone_number: '555-0100' }), 400, 'invalid_phone_number');
      await expectStytchError(client().otps.sms.send({ ...ids(who) }), 400, 'invalid_phone_number');
      const { member } = await client().organizations.members.get({ ...ids(who) });
      expect(member.mfa_phone_number).toBe('');
      expect(await messagesOf(ctx.app, who.member_id)).toEqual([]);
    });

    it('another number than the one the member has', async () => {
      const number = newNumber();
      const who = await mfaMember({}, { mfa_phone_number: number });
      await expectStytchError(client().otps.sms.send({ ...ids(who), mfa_phone_number: newNumber() }), 400, 'mfa_phone_number_mismatch');
      expect((await client().organizations.members.get({ ...ids(who) })).member.mfa_phone_number).toBe(number);
      expect(await messagesOf(ctx.app, who.member_id)).toEqual([]);
    });

    it('SMS in an organization whose MFA methods leave it out', async () => {
      const who = await mfaMember({ mfa_methods: 'RESTRICTED', allowed_mfa_methods: ['totp'] });
      await expectStytchError(client().otps.sms.send({ ...ids(who), mfa_phone_number: newNumber() }), 400, 'sms_otp_not_allowed');
      await expectStytchError(client().otps.sms.authenticate({ ...ids(who), code: '123456' }), 400, 'sms_otp_not_allowed');
      expect(await messagesOf(ctx.app, who.member_id)).toEqual([]);
    });

    it("another member's intermediate session", async () => {
      const who = await mfaMember();
      const other = await mfaMember();
      const { intermediate_session_token } = await loginByLink(other);
      await expectStytchError(
        client().otps.sms.send({ ...ids(who), mfa_phone_number: newNumber(), intermediate_session_token }),
        400,
        'intermediate_session_member_mismatch',
      );
      expect(await messagesOf(ctx.app, who.member_id)).toEqual([]);
    });

    it('a code with no intermediate session or session to complete, without spending it', async () => {
      const who = await mfaMember();
      const { intermediate_session_token } = await loginByLink(who);
      await client().otps.sms.send({ ...ids(who), mfa_phone_number: newNumber(), intermediate_session_token });
      const right = await code(who.member_id);
      await expectStytchError(client().otps.sms.authenticate({ ...ids(who), code: right }), 400, 'no_session_arguments');
      const auth = await client().otps.sms.authenticate({ ...ids(who), code: right, intermediate_session_token });
      expect(auth.member_session).toBeDefined();
    });

    it('a code for a member with no number', async () => {
      const who = await mfaMember();
      const { intermediate_session_token } = await loginByLink(who);
      await expectStytchError(
        client().otps.sms.authenticate({ ...ids(who), code: '123456', intermediate_session_token }),
        404,
        'otp_code_not_found',
      );
    });

    it('a send without the member’s session once the number is verified (no bypass of MFA)', async () => {
      const who = await mfaMember();
      const { number } = await enroll(who);
      await allowAnotherSend(number);
      await expectStytchError(client().otps.sms.send({ ...ids(who) }), 400, 'no_session_arguments');
      expect(await knex()('sms_messages').where({ to_number: number })).toHaveLength(1);
    });

    it('a set_mfa_enrollment that is neither enroll nor unenroll, through raw HTTP', async () => {
      const who = await mfaMember();
      const res = await ctx.app.http('POST', '/v1/b2b/otps/sms/authenticate', {
        body: { ...ids(who), code: '123456', set_mfa_enrollment: 'sometimes' },
      });
      expectErrorEnvelope(res.body, 400, 'bad_request');
    });
  });
});

/** A local SMS gateway: answers each request with the next scripted status (200 once the script runs out). */
class FakeGateway {
  readonly requests: { headers: IncomingMessage['headers']; raw: string; json: Record<string, string> }[] = [];
  private script: number[] = [];
  private server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      this.requests.push({ headers: req.headers, raw, json: JSON.parse(raw) });
      const status = this.script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { id: `gw-${this.requests.length}` } : { error: 'scripted' }));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }

  answerNext(...statuses: number[]): void {
    this.script.push(...statuses);
  }

  to(number: string) {
    return this.requests.filter((r) => r.json.to === number);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('SMS through a webhook (SMS_WEBHOOK_URL)', () => {
  const SECRET = 'webhook-secret-0123456789';
  const gateway = new FakeGateway();
  let app: TestApp;
  let workers: Workers;
  let client: B2BClient;

  beforeAll(async () => {
    const url = await gateway.start();
    app = await startTestApp({ SMS_WEBHOOK_URL: url, SMS_WEBHOOK_SECRET: SECRET });
    client = app.project.client;
    workers = startWorkers(app.container);
    app.container.relay.start();
  });
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await gateway.stop();
    const mismatches = app?.sdkWire.problems() ?? [];
    if (mismatches.length > 0) throw new Error(`responses that differ from the stytch SDK's types:\n${mismatches.join('\n')}`);
  });

  async function memberWithNumber() {
    const organization = await createOrganization(client);
    const member = await createMember(client, organization.organization_id);
    return { organization_id: organization.organization_id, member_id: member.member_id, number: newNumber() };
  }
  const statusOf = (memberId: string) =>
    eventually(
      async () => {
        const [message] = await messagesOf(app, memberId);
        if (message?.status === 'queued') throw new Error('still queued');
        return message;
      },
      { what: 'the message leaves the queue', timeoutMs: 20_000 },
    );

  it('POSTs the text as signed JSON, and records it sent (without its text)', async () => {
    const who = await memberWithNumber();
    await client.otps.sms.send({ organization_id: who.organization_id, member_id: who.member_id, mfa_phone_number: who.number });
    const message = await statusOf(who.member_id);
    expect(message).toMatchObject({ status: 'sent', transport: 'webhook', body: null, last_error: null });

    const [request] = gateway.to(who.number);
    expect(request.json).toEqual({
      // The id the listing shows, prefix and all.
      message_id: message.sms_id,
      to: who.number,
      body: expect.stringMatching(/^\d{6} is your Acme Corp verification code/),
      locale: 'en',
    });
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['x-roster-signature']))!;
    expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${request.raw}`).digest('hex'));
  });

  it('retries a 500 with backoff, then delivers', async () => {
    const who = await memberWithNumber();
    gateway.answerNext(500);
    await client.otps.sms.send({ organization_id: who.organization_id, member_id: who.member_id, mfa_phone_number: who.number });
    const message = await statusOf(who.member_id);
    expect(message).toMatchObject({ status: 'sent', transport: 'webhook' });
    const attempts = gateway.to(who.number);
    expect(attempts).toHaveLength(2);
    const [row] = await app.container.knex('sms_messages').where({ to_number: who.number });
    expect(row.attempts).toBe(2);
    // The same message_id on the retry, but a code minted anew: a gateway cannot deduplicate on message_id alone.
    expect(attempts.map((a) => a.json.message_id)).toEqual([message.sms_id, message.sms_id]);
    expect(await app.container.knex('otp_codes').where({ destination: who.number })).toHaveLength(2);
    // Each attempt texts a fresh code, voiding the one before: only the newest is live.
    const live = await app.container.knex('otp_codes').where({ destination: who.number }).whereNull('used_at');
    expect(live).toHaveLength(1);
  });

  it('fails a message the gateway refuses with a 400, without retrying', async () => {
    const who = await memberWithNumber();
    gateway.answerNext(400);
    await client.otps.sms.send({ organization_id: who.organization_id, member_id: who.member_id, mfa_phone_number: who.number });
    const message = await statusOf(who.member_id);
    expect(message).toMatchObject({ status: 'failed', transport: null, body: null });
    expect(message.last_error).toMatch(/refused the message \(HTTP 400\)/);
    expect(gateway.to(who.number)).toHaveLength(1);
  });
});
