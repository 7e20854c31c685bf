import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { TestProject, useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createMember, createOrganization, unique } from '../helpers/factories';
import { csv, expectBalanced, JobBody, migrate, upload, waitForJob } from '../helpers/migrations';

interface RowError {
  line: number;
  error_type: string;
  column_name: string | null;
  value: string | null;
  message: string;
}

const q = (value: string) => `"${value.replace(/"/g, '""')}"`;
const email = (local = 'user', domain = 'acme.com') => `${unique(local)}@${domain}`;

describe('member migrations: rejected rows and the error report', () => {
  const ctx = useTestApp({ ROSTER_MIGRATION_CHUNK_ROWS: '3' }, { workers: true });

  const newOrg = () => createOrganization(ctx.client);
  const memberCount = (organization_id: string) => ctx.client.organizations.metrics({ organization_id }).then((r) => r.member_count);
  const getMember = (organization_id: string, email_address: string) =>
    ctx.client.organizations.members.get({ organization_id, email_address }).then((r) => r.member);

  /** Runs a migration into `org` (the default organization) that must complete with balanced counts. */
  const run = async (org: { organization_id: string }, body: string, query: Record<string, string> = {}) => {
    const job = await migrate(ctx.app, body, { organization_id: org.organization_id, ...query });
    expect(job.status).toBe('completed');
    expectBalanced(job);
    return job;
  };
  const errorsOf = async (job: JobBody): Promise<RowError[]> => {
    const response = await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors?limit=1000`);
    expect(response.status).toBe(200);
    expect(response.body.results_metadata.total).toBe(response.body.errors.length);
    return response.body.errors;
  };
  const summary = (errors: RowError[]) => errors.map(({ line, error_type }) => [line, error_type]);

  describe('each bad row is reported with its line and type, and the rest is imported', () => {
    type Case = [
      errorType: string,
      header: string[],
      bad: (org: { organization_id: string }) => string[],
      column: string | null,
      value: string | null,
    ];
    const cases: Case[] = [
      ['invalid_email', ['email_address'], () => ['not-an-email'], 'email_address', 'not-an-email'],
      ['invalid_email', ['email_address', 'name'], () => ['', 'Nobody'], 'email_address', ''],
      [
        'unknown_organization',
        ['organization_id', 'email_address'],
        () => ['organization-test-nope', email()],
        'organization_id',
        'organization-test-nope',
      ],
      [
        'unknown_organization',
        ['organization_id', 'email_address'],
        () => [`organization-test-${randomUUID()}`, email()],
        'organization_id',
        null,
      ],
      ['invalid_json', ['email_address', 'trusted_metadata'], () => [email(), q('{"tier": gold}')], 'trusted_metadata', '{"tier": gold}'],
      ['invalid_json', ['email_address', 'untrusted_metadata'], () => [email(), q('[1,2]')], 'untrusted_metadata', '[1,2]'],
      ['unknown_role', ['email_address', 'roles'], () => [email(), 'stytch_admin;auditor'], 'roles', 'stytch_admin;auditor'],
      ['unknown_role', ['email_address', 'roles'], () => [email(), 'not a role!'], 'roles', 'not a role!'],
      ['wrong_column_count', ['email_address', 'name'], () => [email(), 'Ada', 'extra'], null, null],
      ['wrong_column_count', ['email_address', 'name'], () => [email()], null, null],
      ['invalid_boolean', ['email_address', 'is_breakglass'], () => [email(), 'maybe'], 'is_breakglass', 'maybe'],
      ['invalid_status', ['email_address', 'status'], () => [email(), 'deleted'], 'status', 'deleted'],
      ['invalid_phone_number', ['email_address', 'mfa_phone_number'], () => [email(), '555-1234'], 'mfa_phone_number', '555-1234'],
      ['invalid_external_id', ['email_address', 'external_id'], () => [email(), 'has space'], 'external_id', 'has space'],
    ];

    it.each(cases)('reports %s for %j', async (errorType, header, bad, column, value) => {
      const org = await newOrg();
      const good = () => header.map((c) => (c === 'email_address' ? email('good') : c === 'organization_id' ? org.organization_id : ''));
      const job = await run(org, csv(header, [good(), good(), bad(org), good()]));
      expect(job.progress).toMatchObject({ total_rows: 4, created: 3, failed: 1 });
      const errors = await errorsOf(job);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ line: 4, error_type: errorType, column_name: column });
      if (value !== null) expect(errors[0].value).toBe(value);
      expect(errors[0].message.length).toBeGreaterThan(0);
      expect(await memberCount(org.organization_id)).toBe(3);
    });

    it('reports unknown_organization for an organization of another project', async () => {
      const other = await ctx.app.newProject();
      const foreign = await createOrganization(other.client);
      const org = await newOrg();
      const job = await run(
        org,
        csv(
          ['organization_id', 'email_address'],
          [
            [org.organization_id, email()],
            [foreign.organization_id, email()],
          ],
        ),
      );
      expect(summary(await errorsOf(job))).toEqual([[3, 'unknown_organization']]);
      expect(await ctx.client.organizations.metrics({ organization_id: org.organization_id }).then((r) => r.member_count)).toBe(1);
      expect(await other.client.organizations.metrics({ organization_id: foreign.organization_id }).then((r) => r.member_count)).toBe(0);
    });

    it('reports invalid_utf8 for raw invalid bytes', async () => {
      const org = await newOrg();
      const [a, b, c] = [email('a'), email('b'), email('c')];
      const body = Buffer.concat([
        Buffer.from(`email_address,name\r\n${a},Ana\r\n${b},Jos`),
        Buffer.from([0xe9, 0xff]),
        Buffer.from(`\r\n${c},Zoë\r\n`),
      ]);
      const response = await upload(ctx.app, body, { organization_id: org.organization_id });
      expect(response.status).toBe(202);
      const job = await waitForJob(ctx.app, response.body.job.job_id);
      expect(job.status).toBe('completed');
      expectBalanced(job);
      expect(job.progress).toMatchObject({ total_rows: 3, created: 2, failed: 1 });
      expect(await errorsOf(job)).toEqual([expect.objectContaining({ line: 3, error_type: 'invalid_utf8', column_name: 'name' })]);
      expect((await getMember(org.organization_id, c)).name).toBe('Zoë');
    });

    it('refuses a file whose quote never closes with 400 unterminated_quote naming the line, and imports nothing', async () => {
      const org = await newOrg();
      const body = csv(
        ['email_address', 'name'],
        [
          [email(), 'A'],
          [email(), 'B'],
          [email(), '"Never closed'],
          [email(), 'D'],
        ],
      );
      const jobsBefore = await ctx.app.container.knex('jobs').count({ n: '*' }).first();
      const response = await upload(ctx.app, body, { organization_id: org.organization_id });
      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, 'unterminated_quote');
      expect(response.body.error_message).toMatch(/line 3\b/);
      expect(await memberCount(org.organization_id)).toBe(0);
      expect(await ctx.app.container.knex('jobs').count({ n: '*' }).first()).toEqual(jobsBefore);
    });
  });

  describe('duplicates', () => {
    it('reports later case and space variants of an email as duplicate_in_file and lets the first row win', async () => {
      const org = await newOrg();
      const address = email('Dup');
      const rows = [
        [address, 'First'],
        [email(), 'Other'],
        [email(), 'Other'],
        [address.toUpperCase(), 'Second'],
        [`  ${address.toLowerCase()} `, 'Third'],
      ];
      const job = await run(org, csv(['email_address', 'name'], rows), { on_conflict: 'update' });
      expect(job.progress).toMatchObject({ total_rows: 5, created: 3, updated: 0, failed: 2 });
      const errors = await errorsOf(job);
      expect(summary(errors)).toEqual([
        [5, 'duplicate_in_file'],
        [6, 'duplicate_in_file'],
      ]);
      expect(errors[0]).toMatchObject({ column_name: 'email_address', value: address.toUpperCase() });
      expect((await getMember(org.organization_id, address)).name).toBe('First');
      expect(await memberCount(org.organization_id)).toBe(3);
    });

    it('treats one email in two organizations as two members, not a duplicate', async () => {
      const [a, b] = [await newOrg(), await newOrg()];
      const address = email('both');
      const job = await run(
        a,
        csv(
          ['organization_id', 'email_address'],
          [
            [a.organization_id, address],
            [b.organization_id, address],
          ],
        ),
      );
      expect(job.progress).toMatchObject({ created: 2, failed: 0 });
      expect((await getMember(b.organization_id, address)).organization_id).toBe(b.organization_id);
    });

    it('reports an external_id that another existing member holds as duplicate_external_id and leaves that member alone', async () => {
      const org = await newOrg();
      const holder = await createMember(ctx.client, org.organization_id, { external_id: 'emp-1' });
      const [x, y] = [email('x'), email('y')];
      const job = await run(
        org,
        csv(
          ['email_address', 'external_id'],
          [
            [x, 'emp-2'],
            [y, 'emp-1'],
          ],
        ),
      );
      expect(await errorsOf(job)).toEqual([
        expect.objectContaining({ line: 3, error_type: 'duplicate_external_id', column_name: 'external_id', value: 'emp-1' }),
      ]);
      expect((await getMember(org.organization_id, holder.email_address)).external_id).toBe('emp-1');
      expect((await getMember(org.organization_id, x)).external_id).toBe('emp-2');
      expect(await memberCount(org.organization_id)).toBe(2);
    });

    it('reports the second row giving one external_id within the file, across chunks', async () => {
      const org = await newOrg();
      const first = email('first');
      const job = await run(
        org,
        csv(
          ['email_address', 'external_id'],
          [
            [first, 'emp-9'],
            [email(), ''],
            [email(), ''],
            [email(), 'emp-9'],
          ],
        ),
      );
      expect(await errorsOf(job)).toEqual([
        expect.objectContaining({ line: 5, error_type: 'duplicate_in_file', column_name: 'external_id', value: 'emp-9' }),
      ]);
      expect((await getMember(org.organization_id, first)).external_id).toBe('emp-9');
      expect(await memberCount(org.organization_id)).toBe(3);
    });

    it('lets a member keep its own external_id when updated from the file', async () => {
      const org = await newOrg();
      const member = await createMember(ctx.client, org.organization_id, { external_id: 'emp-3', name: 'Before' });
      const job = await run(org, csv(['email_address', 'external_id', 'name'], [[member.email_address, 'emp-3', 'After']]), {
        on_conflict: 'update',
      });
      expect(job.progress).toMatchObject({ updated: 1, failed: 0 });
      expect(await getMember(org.organization_id, member.email_address)).toMatchObject({ name: 'After', external_id: 'emp-3' });
    });
  });

  describe('line numbers', () => {
    const bad = 'not-an-email';
    it.each([
      ['LF line ends', () => `email_address,name\n${email()},A\n${bad},B\n${email()},C\n${bad},D\n`, [3, 5]],
      ['CRLF line ends', () => `email_address,name\r\n${email()},A\r\n${bad},B\r\n${email()},C\r\n${bad},D\r\n`, [3, 5]],
      ['a BOM', () => `\uFEFFemail_address,name\r\n${email()},A\r\n${bad},B\r\n`, [3]],
      // Names refuse line breaks (invalid_name): quoted newlines go in a column Roster ignores.
      ['quoted LF newlines', () => `email_address,notes\r\n${email()},"Two\nlines"\r\n${bad},"Three\nmore\nlines"\r\n${bad},B\r\n`, [4, 7]],
      [
        'quoted CRLF newlines',
        () => `email_address,notes\r\n${email()},"Two\r\nlines"\r\n${bad},"Three\r\nmore\r\nlines"\r\n${bad},B\r\n`,
        [4, 7],
      ],
      ['empty lines', () => `email_address,name\r\n\r\n${email()},A\r\n\r\n\r\n${bad},B\r\n${email()},C\r\n\r\n${bad},D`, [6, 9]],
      [
        'all of them',
        () => `\uFEFFEmail_Address,Notes\r\n\r\n${email()},"A\r\nB"\r\n\r\n${bad},C\n${email()},D\r\n${bad},"E\nF"\r\n`,
        [6, 8],
      ],
    ])('are right with %s', async (_, body, lines) => {
      const org = await newOrg();
      const job = await run(org, body());
      expect((await errorsOf(job)).map((e) => e.line)).toEqual(lines);
      expect(job.progress.failed).toBe(lines.length);
    });

    it('reports a quoted field with newlines in the member name as invalid_name, on the line it starts', async () => {
      const org = await newOrg();
      const job = await run(org, `email_address,name\r\n${email()},"Two\nlines"\r\n`);
      expect(await errorsOf(job)).toEqual([expect.objectContaining({ line: 2, error_type: 'invalid_name', column_name: 'name' })]);
    });
  });

  describe('GET /v1/b2b/jobs/:job_id/errors', () => {
    /** A job with bad rows on the given lines (header on line 1), spread over several chunks. */
    const jobWithErrorsOn = async (badLines: number[], badValue = (n: number) => `bad-${n}`) => {
      const org = await newOrg();
      const last = Math.max(...badLines);
      const rows = [];
      for (let line = 2; line <= last + 1; line++) rows.push([badLines.includes(line) ? badValue(line) : email()]);
      return run(org, csv(['email_address'], rows));
    };

    it('walks every error in line order with limit and cursor, with the exact total on every page', async () => {
      const lines = [2, 3, 5, 8, 9, 10, 13];
      const job = await jobWithErrorsOn(lines);
      const seen: number[] = [];
      const sizes: number[] = [];
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const response = await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors?limit=3&cursor=${cursor}`);
        expect(response.status).toBe(200);
        expect(response.body.results_metadata.total).toBe(lines.length);
        sizes.push(response.body.errors.length);
        seen.push(...response.body.errors.map((e: RowError) => e.line));
        if (response.body.results_metadata.next_cursor === null) break;
        cursor = response.body.results_metadata.next_cursor;
      }
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(lines);
    });

    it('answers an empty page for a job without errors', async () => {
      const job = await jobWithErrorsOn([]);
      const response = await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ errors: [], results_metadata: { total: 0, next_cursor: null } });
    });

    it('gives a CSV report of every error with Accept: text/csv, neutralising formula-like values', async () => {
      const values: Record<number, string> = { 2: '=HYPERLINK("http://evil")', 3: '+cmd', 5: '-2+3', 6: '@SUM(A1)', 7: 'plain, "quoted"' };
      const job = await jobWithErrorsOn([2, 3, 5, 6, 7], (line) => q(values[line]));
      const response = await fetch(`${ctx.app.baseUrl}/v1/b2b/jobs/${job.job_id}/errors`, {
        headers: {
          accept: 'text/csv',
          authorization: `Basic ${Buffer.from(`${ctx.app.project.projectId}:${ctx.app.project.secret}`).toString('base64')}`,
        },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const records: string[][] = parse(await response.text());
      expect(records[0]).toEqual(['line', 'error_type', 'column_name', 'value', 'message']);
      expect(records.slice(1).map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
        ['2', 'invalid_email', 'email_address', `'=HYPERLINK("http://evil")`],
        ['3', 'invalid_email', 'email_address', "'+cmd"],
        ['5', 'invalid_email', 'email_address', "'-2+3"],
        ['6', 'invalid_email', 'email_address', "'@SUM(A1)"],
        ['7', 'invalid_email', 'email_address', 'plain, "quoted"'],
      ]);
      for (const record of records.slice(1)) expect(record[4].length).toBeGreaterThan(0);
    });

    it.each([
      ['cursor=abc', 'invalid_cursor'],
      ['cursor=-1', 'invalid_cursor'],
      ['limit=ten', 'invalid_limit'],
      ['limit=1001', 'invalid_limit'],
      ['limit=-5', 'invalid_limit'],
    ])('refuses %s with 400 %s', async (query, errorType) => {
      const job = await jobWithErrorsOn([2]);
      const response = await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors?${query}`);
      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, errorType);
    });
  });

  describe('jobs that are not the caller’s', () => {
    let other: TestProject;
    let foreignJob: JobBody;
    const asOther = () => ({ projectId: other.projectId, secret: other.secret });
    beforeAll(async () => {
      other = await ctx.app.newProject();
      const response = await ctx.app.http('POST', '/v1/b2b/migrations/members', {
        body: csv(['email_address'], []),
        headers: { 'content-type': 'text/csv' },
        auth: asOther(),
      });
      expect(response.status).toBe(202);
      foreignJob = response.body.job;
    });

    const refs: [string, () => string][] = [
      ['an unknown job id', () => `job-test-${randomUUID()}`],
      ['a malformed job id', () => 'job-nope'],
      ['another project’s job id', () => foreignJob.job_id],
    ];
    const calls: [string, string, string, Record<string, string>][] = [
      ['GET', 'GET', '', {}],
      ['GET errors', 'GET', '/errors', {}],
      ['GET errors as CSV', 'GET', '/errors', { accept: 'text/csv' }],
      ['DELETE', 'DELETE', '', {}],
    ];
    const table = refs.flatMap(([refName, ref]) =>
      calls.map(([callName, method, suffix, headers]) => [callName, refName, method, suffix, headers, ref] as const),
    );

    it.each(table)('%s answers 404 job_not_found for %s', async (_, __, method, suffix, headers, ref) => {
      const response = await ctx.app.http(method, `/v1/b2b/jobs/${ref()}${suffix}`, { headers });
      expect(response.status).toBe(404);
      expectErrorEnvelope(response.body, 404, 'job_not_found');
    });

    it('leaves another project’s job as it was after a refused DELETE', async () => {
      const before = await ctx.app.http('GET', `/v1/b2b/jobs/${foreignJob.job_id}`, { auth: asOther() });
      await ctx.app.http('DELETE', `/v1/b2b/jobs/${foreignJob.job_id}`);
      const after = await ctx.app.http('GET', `/v1/b2b/jobs/${foreignJob.job_id}`, { auth: asOther() });
      expect(after.status).toBe(200);
      expect(after.body.job.cancel_requested).toBe(false);
      expect(after.body.job.job_id).toBe(before.body.job.job_id);
    });
  });
});
