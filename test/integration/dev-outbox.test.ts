import { randomUUID } from 'node:crypto';
import { parseId, parseProjectId, uuidv7 } from '../../src/ids';
import { TEST_REDIRECT_URLS, TestApp, TestProject, useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { useScratchDatabase } from '../helpers/database';
import { eventuallyValue } from '../helpers/eventually';
import { createOrganization, unique } from '../helpers/factories';

interface ListedEmail {
  email_id: string;
  to: string;
  subject: string;
  kind: string;
  status: string;
  transport: string | null;
  link: string | null;
  code: string | null;
  created_at: string;
  sent_at: string | null;
}

interface EmailList {
  emails: ListedEmail[];
  results_metadata: { total: number; next_cursor: string | null };
}

const auth = (project: TestProject) => ({ projectId: project.projectId, secret: project.secret });

/** GET /v1/b2b/emails as `project`; fails the test on anything but a 200. */
async function listEmails(app: TestApp, project: TestProject, query: Record<string, string> = {}): Promise<EmailList> {
  const response = await app.http('GET', `/v1/b2b/emails?${new URLSearchParams(query)}`, { auth: auth(project) });
  if (response.status !== 200) throw new Error(`GET /v1/b2b/emails: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as EmailList;
}

/** Invites `count` fresh addresses into a fresh organization of `project`, one request each. */
async function inviteSome(project: TestProject, count: number, organizationName = 'Acme Corp'): Promise<string[]> {
  const organization = await createOrganization(project.client, { organization_name: organizationName });
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const address = `${unique('outbox')}@acme.com`;
    await project.client.magicLinks.email.invite({ organization_id: organization.organization_id, email_address: address });
    addresses.push(address);
  }
  return addresses;
}

/** Waits until every email of `project` has left the queue. */
function allHandled(app: TestApp, project: TestProject, count: number): Promise<EmailList> {
  return eventuallyValue(
    () => listEmails(app, project),
    (list) => list.emails.length === count && list.emails.every((e) => e.status !== 'queued'),
    { what: `${count} emails handled`, timeoutMs: 20_000 },
  );
}

describe('the dev outbox (no SMTP_URL)', () => {
  const ctx = useTestApp({}, { workers: true });

  it('captures an invite with its link, listed by GET /v1/b2b/emails, and the link logs the member in', async () => {
    const project = await ctx.app.newProject();
    const [address] = await inviteSome(project, 1, 'Outbox Corp');

    const { emails, results_metadata } = await allHandled(ctx.app, project, 1);

    expect(results_metadata).toEqual({ total: 1, next_cursor: null });
    expect(emails[0]).toEqual({
      email_id: expect.stringMatching(/^email-test-[0-9a-f-]{36}$/),
      to: address,
      subject: "You're invited to join Outbox Corp",
      kind: 'invite',
      status: 'captured',
      transport: 'dev-outbox',
      link: expect.stringMatching(new RegExp(`^${TEST_REDIRECT_URLS[0]}\\?stytch_token_type=multi_tenant_magic_links&token=`)),
      code: null,
      created_at: expect.stringMatching(/Z$/),
      sent_at: expect.stringMatching(/Z$/),
    });
    const token = new URL(emails[0].link!).searchParams.get('token')!;
    const authenticated = await project.client.magicLinks.authenticate({ magic_links_token: token });
    expect(authenticated.member.email_address).toBe(address);
  });

  it('captures a passcode email with its code, listed by GET /v1/b2b/emails, and the code logs the member in', async () => {
    const project = await ctx.app.newProject();
    const organization = await createOrganization(project.client, { organization_name: 'Code Corp' });
    const address = `${unique('coder')}@acme.com`;
    await project.client.organizations.members.create({ organization_id: organization.organization_id, email_address: address });
    await project.client.otps.email.loginOrSignup({ organization_id: organization.organization_id, email_address: address });

    const { emails } = await allHandled(ctx.app, project, 1);

    expect(emails[0]).toMatchObject({
      to: address,
      subject: 'Your login code for Code Corp',
      kind: 'otp_login',
      status: 'captured',
      transport: 'dev-outbox',
      link: null,
      code: expect.stringMatching(/^\d{6}$/),
    });
    const authenticated = await project.client.otps.email.authenticate({
      organization_id: organization.organization_id,
      email_address: address,
      code: emails[0].code!,
    });
    expect(authenticated.member_authenticated).toBe(true);
  });

  it('captures discovery emails, which name the project: a link of stytch_token_type=discovery, and a code', async () => {
    const project = await ctx.app.newProject();
    const [linked, coded] = [`${unique('finder')}@acme.com`, `${unique('finder')}@acme.com`];
    await project.client.magicLinks.email.discovery.send({ email_address: linked });
    await project.client.otps.email.discovery.send({ email_address: coded });

    const { emails } = await allHandled(ctx.app, project, 2);

    expect(emails.find((e) => e.to === linked)).toMatchObject({
      kind: 'discovery',
      subject: 'Your link to project test',
      status: 'captured',
      link: expect.stringMatching(new RegExp(`^${TEST_REDIRECT_URLS[0]}\\?stytch_token_type=discovery&token=`)),
      code: null,
    });
    expect(emails.find((e) => e.to === coded)).toMatchObject({
      kind: 'otp_discovery',
      subject: 'Your code for project test',
      status: 'captured',
      link: null,
      code: expect.stringMatching(/^\d{6}$/),
    });
  });

  it('refuses a code on an email that is not captured: only the dev outbox keeps codes', async () => {
    const project = await ctx.app.newProject();
    const address = `${unique('finder')}@acme.com`;
    await project.client.otps.email.discovery.send({ email_address: address });
    const [email] = (await allHandled(ctx.app, project, 1)).emails;
    const id = email.email_id.replace(/^email-test-/, '');

    await expect(ctx.app.container.knex('emails').where({ id }).update({ status: 'sent', link: null })).rejects.toThrow(
      /emails__code__check/,
    );
  });

  it('shows a queued email with the subject it will get and no link yet', async () => {
    const project = await ctx.app.newProject();
    const organization = await createOrganization(project.client, { organization_name: 'Waiting Corp' });
    const address = `${unique('queued')}@acme.com`;
    // A row alone, without the outbox entry a request writes with it: no worker will pick it up.
    await ctx.app.container.knex('emails').insert({
      id: uuidv7(),
      project_id: parseProjectId(project.projectId)!.uuid,
      organization_id: parseId('organization', 'test', organization.organization_id)!,
      kind: 'login',
      to_address: address,
      to_normalized: address,
      redirect_url: TEST_REDIRECT_URLS[0],
      expiration_minutes: 60,
    });

    const { emails } = await listEmails(ctx.app, project, { status: 'queued' });

    expect(emails).toEqual([
      expect.objectContaining({ to: address, status: 'queued', subject: 'Your login link for Waiting Corp', transport: null, link: null }),
    ]);
  });

  it("lists only the caller's project's emails", async () => {
    const [one, other] = [await ctx.app.newProject(), await ctx.app.newProject()];
    const ones = await inviteSome(one, 2);
    const others = await inviteSome(other, 1);

    const listedOne = await allHandled(ctx.app, one, 2);
    const listedOther = await allHandled(ctx.app, other, 1);

    expect(listedOne.emails.map((e) => e.to).sort()).toEqual([...ones].sort());
    expect(listedOther.emails.map((e) => e.to)).toEqual(others);
    // Not even a filter on one of its addresses reaches into another project.
    expect((await listEmails(ctx.app, other, { to: ones[0] })).emails).toEqual([]);
  });

  it('pages newest first with a keyset cursor, the total on every page and no cursor on the last', async () => {
    const project = await ctx.app.newProject();
    const addresses = await inviteSome(project, 5);
    await allHandled(ctx.app, project, 5);

    const seen: string[] = [];
    let cursor: string | null = null;
    const pages: number[] = [];
    do {
      const page: EmailList = await listEmails(ctx.app, project, { limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.results_metadata.total).toBe(5);
      pages.push(page.emails.length);
      seen.push(...page.emails.map((e) => e.to));
      cursor = page.results_metadata.next_cursor;
    } while (cursor !== null);

    expect(pages).toEqual([2, 2, 1]);
    // Invited one after the other: newest first is the reverse of the order of the requests.
    expect(seen).toEqual([...addresses].reverse());
  });

  it('filters by status and by address, case-insensitively', async () => {
    const project = await ctx.app.newProject();
    const [first] = await inviteSome(project, 3);
    await allHandled(ctx.app, project, 3);

    expect((await listEmails(ctx.app, project, { status: 'captured' })).results_metadata.total).toBe(3);
    expect((await listEmails(ctx.app, project, { status: 'sent' })).emails).toEqual([]);
    const byAddress = await listEmails(ctx.app, project, { to: first.toUpperCase() });
    expect(byAddress.emails.map((e) => e.to)).toEqual([first]);
    expect(byAddress.results_metadata.total).toBe(1);
  });

  it.each([
    ['a cursor it never issued', { cursor: 'not-a-cursor' }, 'invalid_cursor', /^cursor /],
    ['a limit that is not a number', { limit: 'ten' }, 'invalid_limit', /^limit must be a whole number\.$/],
    ['a limit over 1,000', { limit: '5000' }, 'invalid_limit', /1000/],
    ['an unknown status', { status: 'lost' }, 'bad_request', /^status must be one of "queued", "sent", "captured", "failed"\.$/],
    ['an unknown filter', { state: 'captured' }, 'bad_request', /unknown property "state"/],
  ])('refuses %s with a 400', async (_case, query, errorType, message) => {
    const response = await ctx.app.http('GET', `/v1/b2b/emails?${new URLSearchParams(query)}`);

    expectErrorEnvelope(response.body, 400, errorType);
    expect(response.body.error_message).toMatch(message);
  });

  it('refuses a link on an email that is not captured: only the dev outbox keeps links', async () => {
    const project = await ctx.app.newProject();
    await inviteSome(project, 1);
    const [email] = (await allHandled(ctx.app, project, 1)).emails;
    const id = email.email_id.replace(/^email-test-/, '');

    await expect(ctx.app.container.knex('emails').where({ id }).update({ status: 'sent' })).rejects.toThrow(/emails__link__check/);
  });
});

const MIGRATION = '20261210000001_capture_dev_outbox';

describe(`migration ${MIGRATION}`, () => {
  const database = useScratchDatabase();

  it("turns the dev outbox's past 'sent' emails into 'captured', and back on rollback", async () => {
    await database().migrate.down({ name: MIGRATION });
    const projectId = randomUUID();
    const organizationId = randomUUID();
    await database()('projects').insert({ id: projectId, env: 'test', name: 'p', secret_hash: Buffer.from('x') });
    await database()('organizations').insert({ id: organizationId, project_id: projectId, name: 'o', slug: 'o' });
    const email = (transport: string) => ({
      id: randomUUID(),
      project_id: projectId,
      organization_id: organizationId,
      kind: 'invite',
      to_address: 'a@acme.com',
      to_normalized: 'a@acme.com',
      redirect_url: TEST_REDIRECT_URLS[0],
      expiration_minutes: 60,
      status: 'sent',
      transport,
    });
    const [captured, sent] = [email('dev-outbox'), email('smtp')];
    await database()('emails').insert([captured, sent]);
    const statuses = async () =>
      Object.fromEntries(
        (await database()('emails').select('transport', 'status')).map((r: { transport: string; status: string }) => [
          r.transport,
          r.status,
        ]),
      );

    await database().migrate.up({ name: MIGRATION });
    expect(await statuses()).toEqual({ 'dev-outbox': 'captured', smtp: 'sent' });

    await database().migrate.down({ name: MIGRATION });
    expect(await statuses()).toEqual({ 'dev-outbox': 'sent', smtp: 'sent' });
    await database().migrate.up({ name: MIGRATION });
  });
});

const CODES_MIGRATION = '20261220000100_capture_dev_outbox_codes';

describe(`migration ${CODES_MIGRATION}`, () => {
  const database = useScratchDatabase();

  it('lets code emails go without a redirect URL and keep a captured code; rollback drops them and the column', async () => {
    const projectId = randomUUID();
    await database()('projects').insert({ id: projectId, env: 'test', name: 'p', secret_hash: Buffer.from('x') });
    const email = (kind: string, fields: Record<string, unknown>) => ({
      id: randomUUID(),
      project_id: projectId,
      kind,
      to_address: 'a@acme.com',
      to_normalized: 'a@acme.com',
      expiration_minutes: 10,
      status: 'captured',
      transport: 'dev-outbox',
      ...fields,
    });
    const link = email('discovery', { redirect_url: TEST_REDIRECT_URLS[0], link: `${TEST_REDIRECT_URLS[0]}?token=t` });
    const code = email('otp_discovery', { redirect_url: null, code: '012345' });
    await database()('emails').insert([link, code]);

    await database().migrate.down({ name: CODES_MIGRATION });
    expect(await database()('emails').select('id')).toEqual([{ id: link.id }]);
    expect(await database().schema.hasColumn('emails', 'code')).toBe(false);
    await expect(database()('emails').insert(email('discovery', { redirect_url: null }))).rejects.toThrow(/redirect_url/);

    await database().migrate.up({ name: CODES_MIGRATION });
    const again = email('otp_login', { redirect_url: null, code: '999999' });
    await database()('emails').insert(again);
    expect((await database()('emails').select('id')).map((r: { id: string }) => r.id).sort()).toEqual([link.id, again.id].sort());
  });
});
