import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';
import { csv, expectBalanced, JobBody, migrate, upload, waitForJob } from '../helpers/migrations';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A CSV cell quoted (for JSON, commas, quotes). */
const q = (value: string) => `"${value.replace(/"/g, '""')}"`;
const json = (value: unknown) => q(JSON.stringify(value));
const email = (local = 'user', domain = 'acme.com') => `${unique(local)}@${domain}`;

describe('member migrations: columns, options and counts', () => {
  const ctx = useTestApp({ ROSTER_MIGRATION_CHUNK_ROWS: '3' }, { workers: true });

  const newOrg = (overrides: Record<string, unknown> = {}) => createOrganization(ctx.client, overrides);
  const getMember = (organization_id: string, email_address: string) =>
    ctx.client.organizations.members.get({ organization_id, email_address }).then((r) => r.member);
  const memberCount = (organization_id: string) => ctx.client.organizations.metrics({ organization_id }).then((r) => r.member_count);
  const jobCount = async () => Number(((await ctx.app.container.knex('jobs').count({ n: '*' }).first()) as { n: string }).n);
  /** Runs a migration that must complete, and checks its counts add up. */
  const completed = async (body: string, query: Record<string, string> = {}) => {
    const job = await migrate(ctx.app, body, query);
    expect(job.status).toBe('completed');
    expectBalanced(job);
    return job;
  };
  const rowErrors = async (job: JobBody) => {
    const response = await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors?limit=1000`);
    expect(response.status).toBe(200);
    return response.body.errors as { line: number; error_type: string; column_name: string | null; value: string | null }[];
  };

  describe('columns', () => {
    it('round-trips every column, with header names in any case and order, onto the created member', async () => {
      const org = await newOrg();
      const address = email('ada');
      const header = [
        'Untrusted_Metadata',
        'MFA_PHONE_NUMBER',
        'status',
        'Is_Breakglass',
        'External_ID',
        'Trusted_Metadata',
        'Roles',
        'Name',
        'EMAIL_ADDRESS',
        'Organization_ID',
      ];
      const row = [
        json({ theme: 'dark' }),
        '+14155550123',
        'invited',
        'true',
        'emp_42.x|y-z',
        json({ tier: 'gold', seats: 3, nested: { a: [1, 2] } }),
        'stytch_admin',
        'Ada Lovelace',
        address,
        org.organization_id,
      ];
      const job = await completed(csv(header, [row]));
      expect(job.progress).toMatchObject({ total_rows: 1, created: 1, failed: 0 });

      const member = await getMember(org.organization_id, address);
      expect(member).toMatchObject({
        organization_id: org.organization_id,
        email_address: address,
        name: 'Ada Lovelace',
        status: 'invited',
        is_breakglass: true,
        is_admin: true,
        external_id: 'emp_42.x|y-z',
        mfa_phone_number: '+14155550123',
        trusted_metadata: { tier: 'gold', seats: 3, nested: { a: [1, 2] } },
        untrusted_metadata: { theme: 'dark' },
      });
      expect(member.member_id).toMatch(/^member-test-/);
      expect(member.roles.map((r) => r.role_id).sort()).toEqual(['stytch_admin', 'stytch_member']);
    });

    it('gives a member with only an email address the defaults of a created member', async () => {
      const org = await newOrg();
      const address = email('bare');
      await completed(csv(['email_address'], [[address]]), { organization_id: org.organization_id });
      expect(await getMember(org.organization_id, address)).toMatchObject({
        status: 'active',
        name: '',
        is_breakglass: false,
        is_admin: false,
        external_id: '',
        mfa_phone_number: '',
        trusted_metadata: {},
        untrusted_metadata: {},
      });
    });

    it('places rows in the organization named by organization_slug', async () => {
      const [a, b] = [await newOrg(), await newOrg()];
      const [x, y] = [email('x'), email('y')];
      await completed(
        csv(
          ['organization_slug', 'email_address'],
          [
            [a.organization_slug, x],
            [b.organization_slug.toUpperCase(), y],
          ],
        ),
      );
      expect((await getMember(a.organization_id, x)).organization_id).toBe(a.organization_id);
      expect((await getMember(b.organization_id, y)).organization_id).toBe(b.organization_id);
    });

    it('normalizes email addresses like members: trims spaces, keeps case, finds them case-insensitively', async () => {
      const org = await newOrg();
      const local = unique('Grace');
      await completed(csv(['email_address'], [[`  ${local}@Example.COM  `]]), { organization_id: org.organization_id });
      const member = await getMember(org.organization_id, `${local.toLowerCase()}@example.com`);
      expect(member.email_address).toBe(`${local}@Example.COM`);
    });

    it.each([
      ['', 'active'],
      ['active', 'active'],
      ['invited', 'invited'],
      ['Pending', 'pending'],
    ])('creates a member with status %j as %s', async (cell, status) => {
      const org = await newOrg();
      const address = email('status');
      await completed(csv(['email_address', 'status'], [[address, cell]]), { organization_id: org.organization_id });
      expect((await getMember(org.organization_id, address)).status).toBe(status);
    });

    it.each([
      ['true', true],
      ['FALSE', false],
      ['1', true],
      ['0', false],
      ['yes', true],
      ['no', false],
    ])('reads is_breakglass %j as %s', async (cell, expected) => {
      const org = await newOrg();
      const address = email('bg');
      await completed(csv(['email_address', 'is_breakglass'], [[address, cell]]), { organization_id: org.organization_id });
      expect((await getMember(org.organization_id, address)).is_breakglass).toBe(expected);
    });

    it('splits roles on ";" and makes stytch_admin an admin, ignoring an explicit stytch_member', async () => {
      const org = await newOrg();
      const [admin, plain] = [email('admin'), email('plain')];
      await completed(
        csv(
          ['email_address', 'roles'],
          [
            [admin, ' stytch_member ; stytch_admin '],
            [plain, 'stytch_member'],
          ],
        ),
        {
          organization_id: org.organization_id,
        },
      );
      const a = await getMember(org.organization_id, admin);
      expect(a.is_admin).toBe(true);
      expect(a.roles.map((r) => r.role_id).sort()).toEqual(['stytch_admin', 'stytch_member']);
      const p = await getMember(org.organization_id, plain);
      expect(p.is_admin).toBe(false);
      expect(p.roles.map((r) => r.role_id)).toEqual(['stytch_member']);
    });

    it('ignores unknown columns and lists them in the job params', async () => {
      const org = await newOrg();
      const address = email('ign');
      const job = await completed(csv(['legacy_id', 'email_address', 'Favourite Colour'], [['17', address, 'blue']]), {
        organization_id: org.organization_id,
      });
      expect(job.params.ignored_columns).toEqual(['legacy_id', 'Favourite Colour']);
      expect(job.progress).toMatchObject({ created: 1, failed: 0 });
      expect((await getMember(org.organization_id, address)).name).toBe('');
    });
  });

  describe('options', () => {
    it.each([
      ['id', (o: { organization_id: string }) => o.organization_id],
      ['slug', (o: { organization_slug: string }) => o.organization_slug],
    ])('puts rows without an organization into the default organization named by %s', async (_, ref) => {
      const org = await newOrg();
      const addresses = [email('a'), email('b'), email('c'), email('d')];
      const job = await completed(
        csv(
          ['email_address'],
          addresses.map((a) => [a]),
        ),
        { organization_id: ref(org as never) },
      );
      expect(job.progress).toMatchObject({ total_rows: 4, created: 4 });
      expect(await memberCount(org.organization_id)).toBe(4);
    });

    it('names the default organization in the job params by its public id', async () => {
      const org = await newOrg();
      const job = await completed(csv(['email_address'], [[email()]]), { organization_id: org.organization_slug });
      expect(job.params.default_organization_id).toBe(org.organization_id);
    });

    it('refuses an unknown default organization with 404 and starts no job', async () => {
      const before = await jobCount();
      const response = await upload(ctx.app, csv(['email_address'], [[email()]]), { organization_id: unique('no-such-org') });
      expect(response.status).toBe(404);
      expectErrorEnvelope(response.body, 404, 'organization_not_found');
      expect(await jobCount()).toBe(before);
    });

    it('with on_conflict=skip leaves an existing member untouched and counts it skipped', async () => {
      const org = await newOrg();
      const existing = await createMember(ctx.client, org.organization_id, { name: 'Old Name', trusted_metadata: { keep: 1 } });
      const fresh = email('fresh');
      const job = await completed(
        csv(
          ['email_address', 'name', 'trusted_metadata'],
          [
            [existing.email_address.toUpperCase(), 'New Name', json({ new: 2 })],
            [fresh, 'Fresh', ''],
          ],
        ),
        { organization_id: org.organization_id },
      );
      expect(job.progress).toMatchObject({ total_rows: 2, created: 1, updated: 0, skipped: 1, failed: 0 });
      const after = await getMember(org.organization_id, existing.email_address);
      expect(after).toMatchObject({
        member_id: existing.member_id,
        name: 'Old Name',
        trusted_metadata: { keep: 1 },
        updated_at: existing.updated_at,
      });
      expect(await memberCount(org.organization_id)).toBe(2);
    });

    it('with on_conflict=update changes only the columns the file has and merges metadata', async () => {
      const org = await newOrg();
      const existing = await createMember(ctx.client, org.organization_id, {
        name: 'Old Name',
        trusted_metadata: { a: 1, b: 2 },
        untrusted_metadata: { u: 1 },
        external_id: 'ext-old',
        mfa_phone_number: '+14155550100',
      });
      const job = await completed(
        csv(['email_address', 'trusted_metadata', 'status'], [[existing.email_address, json({ b: 3, c: 4 }), 'invited']]),
        {
          organization_id: org.organization_id,
          on_conflict: 'update',
        },
      );
      expect(job.progress).toMatchObject({ total_rows: 1, created: 0, updated: 1, skipped: 0, failed: 0 });
      expect(await getMember(org.organization_id, existing.email_address)).toMatchObject({
        member_id: existing.member_id,
        name: 'Old Name',
        external_id: 'ext-old',
        mfa_phone_number: '+14155550100',
        untrusted_metadata: { u: 1 },
        trusted_metadata: { a: 1, b: 3, c: 4 },
        status: 'invited',
      });
      expect(await memberCount(org.organization_id)).toBe(1);
    });

    it('with on_conflict=update keeps the stored value where the file has an empty cell', async () => {
      const org = await newOrg();
      const existing = await createMember(ctx.client, org.organization_id, { name: 'Kept', external_id: 'ext-kept' });
      await completed(csv(['email_address', 'name', 'external_id', 'is_breakglass'], [[existing.email_address, '', '', 'true']]), {
        organization_id: org.organization_id,
        on_conflict: 'update',
      });
      expect(await getMember(org.organization_id, existing.email_address)).toMatchObject({
        name: 'Kept',
        external_id: 'ext-kept',
        is_breakglass: true,
      });
    });

    it('with create_organizations=true creates missing organizations from organization_slug', async () => {
      const existing = await newOrg();
      const slug = unique('new-org');
      const [x, y, z] = [email('x'), email('y'), email('z')];
      const job = await completed(
        csv(
          ['organization_slug', 'email_address'],
          [
            [slug, x],
            [existing.organization_slug, y],
            [slug.toUpperCase(), z],
          ],
        ),
        { create_organizations: 'true' },
      );
      expect(job.progress).toMatchObject({ total_rows: 3, created: 3, failed: 0 });
      const { organization } = await ctx.client.organizations.get({ organization_id: slug });
      expect(organization.organization_slug).toBe(slug);
      expect(await memberCount(organization.organization_id)).toBe(2);
      expect((await getMember(existing.organization_id, y)).email_address).toBe(y);
    });

    it('without create_organizations rejects rows whose organization_slug does not exist, and creates no organization', async () => {
      const slug = unique('missing-org');
      const job = await completed(csv(['organization_slug', 'email_address'], [[slug, email()]]));
      expect(job.progress).toMatchObject({ total_rows: 1, created: 0, failed: 1 });
      expect(await rowErrors(job)).toEqual([
        expect.objectContaining({ line: 2, error_type: 'unknown_organization', column_name: 'organization_slug', value: slug }),
      ]);
      expect((await stytchError(ctx.client.organizations.get({ organization_id: slug }))).status_code).toBe(404);
    });

    /** A file exercising every outcome: new rows, an existing member, a bad row, a duplicate. */
    const mixedFile = async () => {
      const org = await newOrg();
      const existing = await createMember(ctx.client, org.organization_id, { name: 'Before', trusted_metadata: { a: 1 } });
      const a = email('a');
      const body = csv(
        ['email_address', 'name', 'trusted_metadata'],
        [
          [a, 'A', ''],
          [existing.email_address, 'After', json({ b: 2 })],
          ['not-an-email', 'X', ''],
          [a.toUpperCase(), 'A2', ''],
          [email('b'), 'B', json({ c: 3 })],
        ],
      );
      return { org, existing, body };
    };

    it.each(['skip', 'update'])(
      'with dry_run=true and on_conflict=%s reports the counts a real run gives and changes nothing',
      async (onConflict) => {
        const { org, existing, body } = await mixedFile();
        const dry = await completed(body, { organization_id: org.organization_id, on_conflict: onConflict, dry_run: 'true' });
        expect(dry.params.dry_run).toBe(true);
        expect(await memberCount(org.organization_id)).toBe(1);
        expect(await getMember(org.organization_id, existing.email_address)).toMatchObject({
          name: 'Before',
          trusted_metadata: { a: 1 },
          updated_at: existing.updated_at,
        });

        const real = await completed(body, { organization_id: org.organization_id, on_conflict: onConflict });
        expect(dry.progress).toEqual(real.progress);
        expect(real.progress.created).toBe(2);
        expect(await memberCount(org.organization_id)).toBe(3);
        // The dry run's result says in words that its counts are what would have happened.
        expect(dry.result).toEqual({ dry_run: true, would_create: 2, would_update: onConflict === 'update' ? 1 : 0 });
        expect(real.result).toEqual({ dry_run: false });
      },
    );

    it('with dry_run=true and on_conflict=update reports the counts a real run gives for a file of email addresses only', async () => {
      const org = await newOrg();
      const existing = await createMember(ctx.client, org.organization_id);
      const body = csv(['email_address'], [[existing.email_address], [email('new')]]);
      const dry = await completed(body, { organization_id: org.organization_id, on_conflict: 'update', dry_run: 'true' });
      const real = await completed(body, { organization_id: org.organization_id, on_conflict: 'update' });
      expect(dry.progress).toEqual(real.progress);
    });

    it('with dry_run=true and create_organizations=true reports the counts a real run gives and creates no organization', async () => {
      const slug = unique('dry-org');
      const body = csv(
        ['organization_slug', 'email_address', 'roles'],
        [
          [slug, email('a'), 'stytch_admin'],
          [slug, email('b'), ''],
          [slug, email('c'), 'auditor'],
          [unique('x'), 'bad-email', ''],
        ],
      );
      const dry = await completed(body, { create_organizations: 'true', dry_run: 'true' });
      expect((await stytchError(ctx.client.organizations.get({ organization_id: slug }))).status_code).toBe(404);

      const real = await completed(body, { create_organizations: 'true' });
      expect(dry.progress).toEqual(real.progress);
      expect(real.progress).toMatchObject({ total_rows: 4, created: 2, failed: 2 });
    });
  });

  describe('counts', () => {
    it('adds up over several chunks with created, updated, skipped and failed rows', async () => {
      const org = await newOrg();
      const existing = [await createMember(ctx.client, org.organization_id), await createMember(ctx.client, org.organization_id)];
      const rows = [
        [email('n1'), 'N1'],
        [existing[0].email_address, 'E1'],
        ['bad', 'X'],
        [email('n2'), 'N2'],
        [existing[1].email_address, 'E2'],
        [email('n3'), 'N3'],
        ['also bad', 'Y'],
        [email('n4'), 'N4'],
      ];
      const job = await completed(csv(['email_address', 'name'], rows), { organization_id: org.organization_id, on_conflict: 'update' });
      expect(job.progress).toEqual({ total_rows: 8, processed_rows: 8, created: 4, updated: 2, skipped: 0, failed: 2 });
      expect(await memberCount(org.organization_id)).toBe(6);
    });

    it('counts re-importing the same file as all skipped and creates no second member', async () => {
      const org = await newOrg();
      const body = csv(['email_address'], [[email('a')], [email('b')], [email('c')], [email('d')]]);
      await completed(body, { organization_id: org.organization_id });
      const again = await completed(body, { organization_id: org.organization_id });
      expect(again.progress).toMatchObject({ total_rows: 4, created: 0, skipped: 4, failed: 0 });
      expect(await memberCount(org.organization_id)).toBe(4);
    });
  });

  describe('the file', () => {
    it.each([
      ['an empty file', ''],
      ['a file of blank lines', '\r\n\r\n'],
    ])('refuses %s with 400 empty_file and starts no job', async (_, body) => {
      const before = await jobCount();
      const response = await upload(ctx.app, body);
      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, 'empty_file');
      expect(await jobCount()).toBe(before);
    });

    it('completes a header-only file with no rows', async () => {
      const job = await completed(csv(['email_address', 'name'], []));
      expect(job.progress).toEqual({ total_rows: 0, processed_rows: 0, created: 0, updated: 0, skipped: 0, failed: 0 });
    });

    it.each([
      ['without an email_address column', 'missing_required_column', ['name', 'organization_slug']],
      ['naming a column twice', 'duplicate_column', ['email_address', 'Name', 'name']],
    ])('refuses a header %s with 400 %s and starts no job', async (_, errorType, header) => {
      const org = await newOrg();
      const before = await jobCount();
      const response = await upload(ctx.app, csv(header, [header.map(() => 'x@acme.com')]), { organization_id: org.organization_id });
      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, errorType);
      expect(await jobCount()).toBe(before);
      expect(await memberCount(org.organization_id)).toBe(0);
    });

    it('refuses a body that is not text/csv with 415 and starts no job', async () => {
      const before = await jobCount();
      const response = await ctx.app.http('POST', '/v1/b2b/migrations/members', { body: { email_address: email() } });
      expect(response.status).toBe(415);
      expectErrorEnvelope(response.body, 415, 'unsupported_content_type');
      expect(await jobCount()).toBe(before);
    });
  });

  describe('the job', () => {
    it('answers 202 with a queued job, then shows it finished with timestamps and no phase', async () => {
      const org = await newOrg();
      const response = await upload(ctx.app, csv(['email_address'], [[email()], [email()]]), { organization_id: org.organization_id });
      expect(response.status).toBe(202);
      const accepted = response.body.job as JobBody;
      expect(accepted.job_id).toMatch(/^job-test-[0-9a-f-]{36}$/);
      expect(accepted).toMatchObject({ type: 'migration.members', cancel_requested: false, error: null, finished_at: null });
      expect(['queued', 'running', 'completed']).toContain(accepted.status);
      expect(accepted.created_at).toMatch(RFC3339);

      const job = await waitForJob(ctx.app, accepted.job_id);
      expectBalanced(job);
      expect(job).toMatchObject({ type: 'migration.members', status: 'completed', phase: null, error: null, cancel_requested: false });
      expect(job.params).toMatchObject({ on_conflict: 'skip', create_organizations: false, dry_run: false, ignored_columns: [] });
      for (const at of [job.created_at, job.started_at, job.finished_at]) expect(at).toMatch(RFC3339);
      expect(Date.parse(job.finished_at!)).toBeGreaterThanOrEqual(Date.parse(job.started_at!));
      expect(Date.parse(job.started_at!)).toBeGreaterThanOrEqual(Date.parse(job.created_at));
    });

    it('refuses an unknown on_conflict value with 400 and starts no job', async () => {
      const before = await jobCount();
      const response = await upload(ctx.app, csv(['email_address'], [[email()]]), { on_conflict: 'merge' });
      expect(response.status).toBe(400);
      expectErrorEnvelope(response.body, 400, 'invalid_on_conflict');
      expect(await jobCount()).toBe(before);
    });
  });
});
