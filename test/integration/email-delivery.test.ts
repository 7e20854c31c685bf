import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { parseId } from '../../src/ids';
import { bullPrefix } from '../../src/queues/connection';
import { TEST_REDIRECT_URLS, TestAppHolder, useTestApp } from '../helpers/app';
import { createOrganization, unique } from '../helpers/factories';
import { TestSmtpServer } from '../helpers/smtp';
import { eventuallyValue } from '../helpers/eventually';

interface EmailRow {
  id: string;
  status: 'queued' | 'sent' | 'captured' | 'failed';
  attempts: number;
  subject: string | null;
  link: string | null;
  last_error: string | null;
  transport: string | null;
  message_id: string | null;
  sent_at: Date | null;
}

/** The invite email's row for a member, read straight from Postgres. */
async function emailOf(ctx: TestAppHolder, memberId: string): Promise<EmailRow> {
  const rows = await ctx.app.container.knex('emails').where({ member_id: parseId('member', 'test', memberId)! });
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** Polls the member's email row until `done` holds, or fails at the deadline. */
function emailWhen(ctx: TestAppHolder, memberId: string, done: (row: EmailRow) => boolean, deadlineMs = 20_000): Promise<EmailRow> {
  return eventuallyValue(() => emailOf(ctx, memberId), done, { what: 'the email row', timeoutMs: deadlineMs, intervalMs: 25 });
}

/** Invites a fresh address into a fresh organization. */
async function invite(ctx: TestAppHolder, extra: { invite_redirect_url?: string } = {}) {
  const organization = await createOrganization(ctx.client);
  const address = `${unique('invitee')}@acme.com`;
  const { member } = await ctx.client.magicLinks.email.invite({
    organization_id: organization.organization_id,
    email_address: address,
    ...extra,
  });
  return { organization, address, memberId: member.member_id };
}

/** The text/* parts of a MIME message, decoded, by content type. */
function textParts(raw: string): Record<string, string> {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const chunks = boundary ? raw.split(`--${boundary}`).slice(1, -1) : [raw];
  const parts: Record<string, string> = {};
  for (const chunk of chunks) {
    const split = chunk.indexOf('\r\n\r\n');
    const headers = chunk.slice(0, split);
    let body = chunk.slice(split + 4);
    const type = /content-type:\s*([^;\r\n]+)/i.exec(headers)?.[1].trim().toLowerCase();
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(headers)?.[1].toLowerCase();
    if (encoding === 'quoted-printable') {
      body = Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    } else if (encoding === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
    if (type) parts[type] = body;
  }
  return parts;
}

const LINK = (redirect: string) =>
  new RegExp(`^${redirect.replace(/[.?/]/g, '\\$&')}\\?stytch_token_type=multi_tenant_magic_links&token=[A-Za-z0-9_-]{43}$`);

describe('email delivery over SMTP', () => {
  const smtp = new TestSmtpServer();
  const env: Record<string, string> = { ROSTER_EMAIL_RETRY_MS: '2000' };
  beforeAll(async () => {
    env.SMTP_URL = await smtp.start();
  });
  const ctx = useTestApp(env, { workers: true });
  afterAll(() => smtp.stop());

  const emailQueue = () =>
    new Queue('emails', { connection: ctx.app.container.redis, prefix: bullPrefix(ctx.app.container.config.queuePrefix) });
  const messagesTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address));

  it.each([
    ['the default redirect URL', undefined, TEST_REDIRECT_URLS[0]],
    ['the redirect URL given', TEST_REDIRECT_URLS[1], TEST_REDIRECT_URLS[1]],
  ])('sends the invite with text and HTML parts that link to %s', async (_, given, expected) => {
    const { organization, address } = await invite(ctx, given ? { invite_redirect_url: given } : {});

    const email = await smtp.messageTo(address);

    expect(email.link).toMatch(LINK(expected));
    expect(email.raw).toMatch(/content-type:\s*multipart\/alternative/i);
    const parts = textParts(email.raw);
    expect(parts['text/plain']).toContain(email.link);
    expect(parts['text/html']).toContain(`href="${email.link.replace(/&/g, '&amp;')}"`);
    expect(email.raw).toMatch(new RegExp(`^Subject: .*${organization.organization_name}`, 'mi'));
    const auth = await ctx.client.magicLinks.authenticate({ magic_links_token: email.token });
    expect(auth.member.email_address).toBe(address);
  });

  it('records the email as queued, then as sent over smtp with the message id', async () => {
    const queue = emailQueue();
    await queue.pause();
    let memberId: string;
    let address: string;
    try {
      ({ memberId, address } = await invite(ctx));
      const queued = await emailOf(ctx, memberId);
      expect(queued).toMatchObject({ status: 'queued', attempts: 0, transport: null, message_id: null, sent_at: null });
    } finally {
      await queue.resume();
      await queue.close();
    }

    const sent = await emailWhen(ctx, memberId, (row) => row.status !== 'queued');

    expect(sent).toMatchObject({ status: 'sent', attempts: 1, transport: 'smtp', last_error: null, sent_at: expect.any(Date) });
    // An email that went out keeps its subject but never its link: the link carries a live token.
    expect(sent).toMatchObject({ subject: "You're invited to join Acme Corp", link: null });
    const email = await smtp.messageTo(address);
    expect(sent.message_id).toMatch(/^<.+>$/);
    expect(email.raw).toContain(`Message-ID: ${sent.message_id}`);
  });

  it('retries a 451 with backoff and delivers the email once', async () => {
    smtp.rejectNext(451);
    const started = Date.now();
    const { memberId, address } = await invite(ctx);

    await smtp.messageTo(address, 20_000);

    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    const row = await emailWhen(ctx, memberId, (r) => r.status !== 'queued');
    expect(row).toMatchObject({ status: 'sent', transport: 'smtp', attempts: 2 });
    expect(messagesTo(address)).toHaveLength(1);
  });

  it('records a 550 as a permanent failure with its error and does not retry it', async () => {
    smtp.rejectNext(550);
    const { memberId, address } = await invite(ctx);

    const row = await emailWhen(ctx, memberId, (r) => r.status !== 'queued');

    expect(row).toMatchObject({ status: 'failed', attempts: 1, sent_at: null });
    expect(row.last_error).toContain('550');
    // No retry is pending: the queue entry has finished (not delayed for another attempt).
    const queue = emailQueue();
    try {
      expect(['completed', 'failed']).toContain(await (await queue.getJob(`email.${row.id}`))!.getState());
    } finally {
      await queue.close();
    }
    expect((await emailOf(ctx, memberId)).attempts).toBe(1);
    expect(messagesTo(address)).toHaveLength(0);
  });

  it('replaces the token of a send that failed: only the delivered link works', async () => {
    smtp.rejectNext(451);
    const { memberId, address } = await invite(ctx);
    const tokensOf = (emailId: string) => ctx.app.container.knex('magic_link_tokens').select('token_hash').where({ email_id: emailId });
    const failed = await emailWhen(ctx, memberId, (r) => r.last_error !== null);
    const firstTokens = await tokensOf(failed.id);
    expect(firstTokens).toHaveLength(1);

    const email = await smtp.messageTo(address, 20_000);

    const delivered = createHash('sha256').update(email.token).digest();
    const tokens = await tokensOf(failed.id);
    expect(tokens).toHaveLength(1);
    expect(tokens[0].token_hash.equals(delivered)).toBe(true);
    expect(firstTokens[0].token_hash.equals(delivered)).toBe(false);
    const auth = await ctx.client.magicLinks.authenticate({ magic_links_token: email.token });
    expect(auth.member_id).toBe(memberId);
  });
});

describe('email delivery without SMTP_URL', () => {
  const ctx = useTestApp({}, { workers: true });

  it('records the email as captured by the dev outbox, with its link and a token minted for it', async () => {
    const { memberId } = await invite(ctx);

    const row = await emailWhen(ctx, memberId, (r) => r.status !== 'queued');

    expect(row).toMatchObject({ status: 'captured', transport: 'dev-outbox', attempts: 1, last_error: null, sent_at: expect.any(Date) });
    expect(row.message_id).toEqual(expect.any(String));
    expect(row.link).toMatch(LINK(TEST_REDIRECT_URLS[0]));
    const [token] = await ctx.app.container.knex('magic_link_tokens').where({ email_id: row.id });
    expect(token.token_hash.equals(createHash('sha256').update(new URL(row.link!).searchParams.get('token')!).digest())).toBe(true);
  });
});
