import { startWorkers } from '../../workers/index';
import { TestProject, useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { eventually } from '../helpers/eventually';
import { createMember, createOrganization, stytchError } from '../helpers/factories';
import { JobBody, waitForJob } from '../helpers/migrations';

interface DuplicateGroup {
  reason: 'email_variant' | 'external_id';
  key: string;
  member_ids: string[];
  emails: string[];
}
interface ScanResult {
  groups: DuplicateGroup[];
  truncated: boolean;
}
interface MergeResult {
  dry_run: boolean;
  primary_member_id: string;
  merged_member_ids: string[];
  retired_email_addresses: string[];
  merged_fields: Record<string, unknown> & { roles: string[] };
}
type ResultJob<R> = JobBody & { result: R | null };
interface Rule {
  domains: string[];
  ignore_dots?: boolean;
  ignore_plus_tags?: boolean;
}

const GMAIL_VARIANTS: Rule = { domains: ['gmail.com'], ignore_dots: true, ignore_plus_tags: true };
const UNKNOWN_MEMBER_ID = 'member-test-00000000-0000-7000-8000-000000000000';

describe('deduplication: scans and merges', () => {
  const ctx = useTestApp({}, { workers: true });

  const newOrg = () => createOrganization(ctx.client);
  const member = (organizationId: string, overrides: Record<string, unknown> = {}) => createMember(ctx.client, organizationId, overrides);
  const getById = (organization_id: string, member_id: string) =>
    ctx.client.organizations.members.get({ organization_id, member_id }).then((r) => r.member);
  const memberCount = (organization_id: string) => ctx.client.organizations.metrics({ organization_id }).then((r) => r.member_count);
  const jobCount = async () => Number(((await ctx.app.container.knex('jobs').count({ n: '*' }).first()) as { n: string }).n);
  /** Every live member of the organization as the API shows it, and the number of jobs: what a refused request must not change. */
  const snapshot = async (organizationId: string) => {
    const { members } = await ctx.client.organizations.members.search({ organization_ids: [organizationId], limit: 1000 });
    return { members: [...members].sort((a, b) => a.member_id.localeCompare(b.member_id)), jobs: await jobCount() };
  };

  const as = (project?: TestProject) => (project ? { auth: { projectId: project.projectId, secret: project.secret } } : {});
  const requestMerge = (organizationId: string, body: unknown, project?: TestProject) =>
    ctx.app.http('POST', `/v1/b2b/organizations/${organizationId}/members/merge`, { body, ...as(project) });
  const requestScan = (organizationId: string, body: unknown = {}, project?: TestProject) =>
    ctx.app.http('POST', `/v1/b2b/organizations/${organizationId}/members/duplicates/scan`, { body, ...as(project) });

  async function finished<R>(response: { status: number; body: Record<string, any> }, project?: TestProject): Promise<ResultJob<R>> {
    expect(response.status).toBe(202);
    const jobId = response.body.job.job_id as string;
    if (!project) return (await waitForJob(ctx.app, jobId)) as ResultJob<R>;
    // waitForJob reads as the app's project; another project's job is read with its own credentials.
    return eventually(
      async () => {
        const { body } = await ctx.app.http('GET', `/v1/b2b/jobs/${jobId}`, as(project));
        if (!['completed', 'failed', 'cancelled'].includes(body.job.status)) throw new Error(`still ${body.job.status}`);
        return body.job as ResultJob<R>;
      },
      { what: `job ${jobId} to finish`, timeoutMs: 30_000 },
    );
  }

  /** A merge that must complete; returns its result. */
  async function merge(organizationId: string, primary: string, duplicates: string[], dryRun?: boolean): Promise<MergeResult> {
    const body = { primary_member_id: primary, duplicate_member_ids: duplicates, ...(dryRun === undefined ? {} : { dry_run: dryRun }) };
    const job = await finished<MergeResult>(await requestMerge(organizationId, body));
    expect(job).toMatchObject({ type: 'members.merge', status: 'completed', error: null });
    return job.result!;
  }

  /** A scan that must complete; returns its result. */
  async function scan(organizationId: string, rules?: Rule[], project?: TestProject): Promise<ScanResult> {
    const job = await finished<ScanResult>(await requestScan(organizationId, rules ? { rules } : {}, project), project);
    expect(job).toMatchObject({ type: 'members.scan-duplicates', status: 'completed', error: null });
    expect(job.result!.truncated).toBe(false);
    return job.result!;
  }

  describe('merge', () => {
    it('answers 202 with a queued merge job and completes it with the merged ids in the result', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicate = await member(org.organization_id);
      const response = await requestMerge(org.organization_id, {
        primary_member_id: primary.member_id,
        duplicate_member_ids: [duplicate.member_id],
      });
      expect(response.status).toBe(202);
      expect(response.body.job).toMatchObject({ job_id: expect.stringMatching(/^job-test-/), type: 'members.merge' });

      const job = await finished<MergeResult>(response);
      expect(job.status).toBe('completed');
      expect(job.result).toMatchObject({
        dry_run: false,
        primary_member_id: primary.member_id,
        merged_member_ids: [duplicate.member_id],
        retired_email_addresses: [duplicate.email_address],
      });
      expect(job.started_at).toEqual(expect.any(String));
      expect(job.finished_at).toEqual(expect.any(String));
      expect(Date.parse(job.started_at!)).toBeLessThanOrEqual(Date.parse(job.finished_at!));
    });

    it('merges a duplicate named twice (by id and by external id) once', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicate = await member(org.organization_id, { external_id: 'emp-twice' });
      const result = await merge(org.organization_id, primary.member_id, [duplicate.member_id, 'emp-twice']);
      expect(result.merged_member_ids).toEqual([duplicate.member_id]);
      expect((await getById(org.organization_id, primary.member_id)).retired_email_addresses).toHaveLength(1);
    });

    it('unions explicit roles and still derives the email-implicit roles of the primary, keeping both sources', async () => {
      const org = await createOrganization(ctx.client, {
        rbac_email_implicit_role_assignments: [{ domain: 'admins.example.com', role_id: 'stytch_admin' }],
      });
      const primary = await member(org.organization_id, { email_address: 'ada@admins.example.com' });
      const duplicate = await member(org.organization_id, { email_address: 'ada@elsewhere.example.com', roles: ['stytch_admin'] });
      const plain = await member(org.organization_id);
      await merge(org.organization_id, primary.member_id, [duplicate.member_id, plain.member_id]);

      const merged = await getById(org.organization_id, primary.member_id);
      expect(merged.is_admin).toBe(true);
      expect(merged.roles).toEqual([
        { role_id: 'stytch_member', sources: [{ type: 'direct_assignment', details: {} }] },
        {
          role_id: 'stytch_admin',
          sources: [
            { type: 'direct_assignment', details: {} },
            { type: 'email_assignment', details: { email_domain: 'admins.example.com' } },
          ],
        },
      ]);
    });

    it('gives an explicit role of a duplicate to a primary that had none', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicate = await member(org.organization_id, { roles: ['stytch_admin'] });
      await merge(org.organization_id, primary.member_id, [duplicate.member_id]);
      const merged = await getById(org.organization_id, primary.member_id);
      expect(merged.is_admin).toBe(true);
      expect(merged.roles.map((r) => r.role_id)).toEqual(['stytch_member', 'stytch_admin']);
    });

    it("keeps the primary's metadata keys and fills gaps from duplicates, earlier duplicates before later ones", async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, {
        trusted_metadata: { tier: 'gold', shared: 'primary' },
        untrusted_metadata: { theme: 'dark' },
      });
      const first = await member(org.organization_id, {
        trusted_metadata: { shared: 'first', seats: 3, region: 'eu' },
        untrusted_metadata: { theme: 'light', lang: 'fr' },
      });
      const second = await member(org.organization_id, {
        trusted_metadata: { region: 'us', plan: 'pro' },
        untrusted_metadata: { lang: 'de', tz: 'UTC' },
      });
      await merge(org.organization_id, primary.member_id, [first.member_id, second.member_id]);

      const merged = await getById(org.organization_id, primary.member_id);
      expect(merged.trusted_metadata).toEqual({ tier: 'gold', shared: 'primary', seats: 3, region: 'eu', plan: 'pro' });
      expect(merged.untrusted_metadata).toEqual({ theme: 'dark', lang: 'fr', tz: 'UTC' });
    });

    it('fills an empty name, phone number and external id from the first duplicate that has one', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const first = await member(org.organization_id, { external_id: 'emp-first' });
      const second = await member(org.organization_id, {
        name: 'Grace Hopper',
        mfa_phone_number: '+14155550100',
        external_id: 'emp-second',
      });
      await merge(org.organization_id, primary.member_id, [first.member_id, second.member_id]);

      const merged = await getById(org.organization_id, primary.member_id);
      expect(merged).toMatchObject({ name: 'Grace Hopper', mfa_phone_number: '+14155550100', external_id: 'emp-first' });
      // The external id now belongs to the primary: it resolves there.
      expect((await getById(org.organization_id, 'emp-first')).member_id).toBe(primary.member_id);
    });

    it("keeps the primary's own name, phone number and external id over the duplicates'", async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { name: 'Ada', mfa_phone_number: '+14155550111', external_id: 'emp-ada' });
      const duplicate = await member(org.organization_id, { name: 'Grace', mfa_phone_number: '+14155550122', external_id: 'emp-grace' });
      await merge(org.organization_id, primary.member_id, [duplicate.member_id]);
      expect(await getById(org.organization_id, primary.member_id)).toMatchObject({
        name: 'Ada',
        mfa_phone_number: '+14155550111',
        external_id: 'emp-ada',
      });
    });

    it('requires MFA after the merge if any merged member was enrolled', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { mfa_enrolled: false });
      const duplicate = await member(org.organization_id, { mfa_enrolled: true });
      await merge(org.organization_id, primary.member_id, [duplicate.member_id]);
      expect((await getById(org.organization_id, primary.member_id)).mfa_enrolled).toBe(true);
    });

    it.each([
      ['a pending primary becomes active when a duplicate is active', true, false, 'active'],
      ['an active primary stays active when the duplicate is pending', false, true, 'active'],
      ['a pending primary stays pending when the duplicate is pending too', true, true, 'pending'],
    ])('takes the most advanced status: %s', async (_name, primaryPending, duplicatePending, expected) => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { create_member_as_pending: primaryPending });
      const duplicate = await member(org.organization_id, { create_member_as_pending: duplicatePending });
      await merge(org.organization_id, primary.member_id, [duplicate.member_id]);
      expect((await getById(org.organization_id, primary.member_id)).status).toBe(expected);
    });

    it("retires the duplicates' emails and their own retired emails on the primary", async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { email_address: 'ada@acme.com' });
      const duplicate = await member(org.organization_id, { email_address: 'ada.old@acme.com' });
      await ctx.client.organizations.members.update({
        organization_id: org.organization_id,
        member_id: duplicate.member_id,
        email_address: 'ada.new@acme.com',
      });
      const other = await member(org.organization_id, { email_address: 'ada.l@acme.com' });
      await merge(org.organization_id, primary.member_id, [duplicate.member_id, other.member_id]);

      const merged = await getById(org.organization_id, primary.member_id);
      expect(merged.email_address).toBe('ada@acme.com');
      expect(merged.retired_email_addresses.map((r) => r.email_address).sort()).toEqual([
        'ada.l@acme.com',
        'ada.new@acme.com',
        'ada.old@acme.com',
      ]);
      expect(merged.retired_email_addresses.every((r) => /^email-test-/.test(r.email_id))).toBe(true);
    });

    it('refuses a retired email of the merge to another member', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicate = await member(org.organization_id, { email_address: 'taken@acme.com' });
      await merge(org.organization_id, primary.member_id, [duplicate.member_id]);

      const err = await stytchError(member(org.organization_id, { email_address: 'Taken@acme.com' }));
      expect(err).toMatchObject({ status_code: 400, error_type: 'retired_member_email' });
      expect(await memberCount(org.organization_id)).toBe(1);
    });

    it("resolves the duplicates' old member ids to the primary, through get and dangerouslyGet", async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicates = [await member(org.organization_id), await member(org.organization_id)];
      await merge(
        org.organization_id,
        primary.member_id,
        duplicates.map((d) => d.member_id),
      );

      for (const old of duplicates) {
        expect((await getById(org.organization_id, old.member_id)).member_id).toBe(primary.member_id);
        const { member: viaDangerously } = await ctx.client.organizations.members.dangerouslyGet({ member_id: old.member_id });
        expect(viaDangerously.member_id).toBe(primary.member_id);
        expect(viaDangerously.organization_id).toBe(org.organization_id);
      }
    });

    it('does not resolve a merged-away id in another organization or from another project', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicate = await member(org.organization_id);
      await merge(org.organization_id, primary.member_id, [duplicate.member_id]);

      const otherOrg = await newOrg();
      expect(await stytchError(getById(otherOrg.organization_id, duplicate.member_id))).toMatchObject({
        status_code: 404,
        error_type: 'member_not_found',
      });
      const other = await ctx.app.newProject();
      expect(await stytchError(other.client.organizations.members.dangerouslyGet({ member_id: duplicate.member_id }))).toMatchObject({
        status_code: 404,
        error_type: 'member_not_found',
      });
    });

    it('keeps old ids resolving when their primary is merged again into another member', async () => {
      const org = await newOrg();
      const [first, second, third] = [
        await member(org.organization_id),
        await member(org.organization_id),
        await member(org.organization_id),
      ];
      await merge(org.organization_id, second.member_id, [first.member_id]);
      await merge(org.organization_id, third.member_id, [second.member_id]);

      for (const old of [first, second]) {
        expect((await getById(org.organization_id, old.member_id)).member_id).toBe(third.member_id);
      }
    });

    it('removes the duplicates from search and from the member count', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicates = [await member(org.organization_id), await member(org.organization_id)];
      const survivor = await member(org.organization_id);
      expect(await memberCount(org.organization_id)).toBe(4);
      await merge(
        org.organization_id,
        primary.member_id,
        duplicates.map((d) => d.member_id),
      );

      const { members } = await ctx.client.organizations.members.search({ organization_ids: [org.organization_id] });
      expect(members.map((m) => m.member_id).sort()).toEqual([primary.member_id, survivor.member_id].sort());
      expect(await memberCount(org.organization_id)).toBe(2);
    });

    it('reports the merged member of a dry run and changes nothing', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { trusted_metadata: { a: 1 } });
      const duplicate = await member(org.organization_id, {
        name: 'Grace',
        external_id: 'emp-grace',
        mfa_enrolled: true,
        roles: ['stytch_admin'],
        trusted_metadata: { a: 2, b: 2 },
      });
      const before = await snapshot(org.organization_id);
      const result = await merge(org.organization_id, primary.member_id, [duplicate.member_id], true);

      expect(result).toMatchObject({
        dry_run: true,
        primary_member_id: primary.member_id,
        merged_member_ids: [duplicate.member_id],
        retired_email_addresses: [duplicate.email_address],
        merged_fields: {
          name: 'Grace',
          external_id: 'emp-grace',
          mfa_enrolled: true,
          status: 'active',
          trusted_metadata: { a: 1, b: 2 },
        },
      });
      expect(await snapshot(org.organization_id)).toEqual({ ...before, jobs: before.jobs + 1 });
      expect((await getById(org.organization_id, duplicate.member_id)).member_id).toBe(duplicate.member_id);
      // The email was not retired: the duplicate still owns it and nobody else can take it as a new member.
      expect((await stytchError(member(org.organization_id, { email_address: duplicate.email_address }))).error_type).toBe(
        'duplicate_member_email',
      );
    });

    it('reports in a dry run the same member a real merge then produces', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { untrusted_metadata: { x: 'p' } });
      const duplicate = await member(org.organization_id, {
        name: 'Dup',
        external_id: 'emp-dup',
        mfa_phone_number: '+14155550133',
        untrusted_metadata: { y: 'd' },
      });
      const dry = await merge(org.organization_id, primary.member_id, [duplicate.member_id], true);
      const real = await merge(org.organization_id, primary.member_id, [duplicate.member_id]);
      expect({ ...dry, dry_run: false }).toEqual(real);

      const merged = await getById(org.organization_id, primary.member_id);
      const { name, external_id, mfa_phone_number, mfa_enrolled, status, trusted_metadata, untrusted_metadata } = merged;
      expect(dry.merged_fields).toMatchObject({
        name,
        external_id,
        mfa_phone_number,
        mfa_enrolled,
        status,
        trusted_metadata,
        untrusted_metadata,
      });
      expect(dry.merged_fields.roles).toEqual(merged.roles.filter((r) => r.role_id !== 'stytch_member').map((r) => r.role_id));
    });
  });

  describe('merge: refused requests create no job and change nothing', () => {
    /** Sends a merge that must be refused with this status and error type, then checks that nothing changed. */
    async function expectRefused(organizationId: string, body: unknown, status: number, errorType: string, project?: TestProject) {
      const before = await snapshot(organizationId);
      const response = await requestMerge(organizationId, body, project);
      expect(response.status).toBe(status);
      expectErrorEnvelope(response.body, status, errorType);
      expect(await snapshot(organizationId)).toEqual(before);
    }

    const setup = async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { external_id: 'emp-primary' });
      const duplicate = await member(org.organization_id);
      return { org, primary: primary.member_id, duplicate: duplicate.member_id };
    };

    it.each([
      ['the primary among the duplicates', (p: string, d: string) => [d, p]],
      ['the primary among the duplicates by its external id', (_p: string, d: string) => [d, 'emp-primary']],
    ])('refuses %s', async (_name, duplicates) => {
      const { org, primary, duplicate } = await setup();
      await expectRefused(
        org.organization_id,
        { primary_member_id: primary, duplicate_member_ids: duplicates(primary, duplicate) },
        400,
        'merge_primary_in_duplicates',
      );
    });

    it.each([
      [
        'a primary_member_id that is not a string',
        (_p: string, d: string) => ({ primary_member_id: 42, duplicate_member_ids: [d] }),
        'bad_request',
      ],
      ['a missing primary_member_id', (_p: string, d: string) => ({ duplicate_member_ids: [d] }), 'bad_request'],
      [
        'duplicate_member_ids that is not an array',
        (p: string, d: string) => ({ primary_member_id: p, duplicate_member_ids: d }),
        'invalid_duplicate_member_ids',
      ],
      ['a missing duplicate_member_ids', (p: string) => ({ primary_member_id: p }), 'invalid_duplicate_member_ids'],
      ['an empty duplicate list', (p: string) => ({ primary_member_id: p, duplicate_member_ids: [] }), 'invalid_duplicate_member_ids'],
      [
        'more than 100 duplicates',
        (p: string, d: string) => ({
          primary_member_id: p,
          duplicate_member_ids: [d, ...Array.from({ length: 100 }, (_, i) => `emp-${i}`)],
        }),
        'invalid_duplicate_member_ids',
      ],
      ['a duplicate id that is not a string', (p: string) => ({ primary_member_id: p, duplicate_member_ids: [7] }), 'bad_request'],
      [
        'a dry_run that is not a boolean',
        (p: string, d: string) => ({ primary_member_id: p, duplicate_member_ids: [d], dry_run: 'yes' }),
        'bad_request',
      ],
    ])('refuses %s with 400', async (_name, body, errorType) => {
      const { org, primary, duplicate } = await setup();
      await expectRefused(org.organization_id, body(primary, duplicate), 400, errorType);
    });

    it.each([
      ['an unknown duplicate', (p: string) => ({ primary_member_id: p, duplicate_member_ids: [UNKNOWN_MEMBER_ID] })],
      ['an unknown primary', (_p: string, d: string) => ({ primary_member_id: UNKNOWN_MEMBER_ID, duplicate_member_ids: [d] })],
      ['a duplicate given by an unknown external id', (p: string) => ({ primary_member_id: p, duplicate_member_ids: ['emp-nobody'] })],
    ])('refuses %s with 404', async (_name, body) => {
      const { org, primary, duplicate } = await setup();
      await expectRefused(org.organization_id, body(primary, duplicate), 404, 'member_not_found');
    });

    it.each([
      ['duplicate', (p: string, gone: string) => ({ primary_member_id: p, duplicate_member_ids: [gone] })],
      ['primary', (p: string, gone: string) => ({ primary_member_id: gone, duplicate_member_ids: [p] })],
    ])('refuses a deleted member as the %s with 404', async (_name, body) => {
      const { org, primary } = await setup();
      const gone = await member(org.organization_id);
      await ctx.client.organizations.members.delete({ organization_id: org.organization_id, member_id: gone.member_id });
      await expectRefused(org.organization_id, body(primary, gone.member_id), 404, 'member_not_found');
    });

    it('refuses a duplicate that belongs to another organization of the project with 404', async () => {
      const { org, primary } = await setup();
      const elsewhere = await member((await newOrg()).organization_id);
      await expectRefused(
        org.organization_id,
        { primary_member_id: primary, duplicate_member_ids: [elsewhere.member_id] },
        404,
        'member_not_found',
      );
      expect((await getById(elsewhere.organization_id, elsewhere.member_id)).member_id).toBe(elsewhere.member_id);
    });

    it('refuses a duplicate that belongs to another project with 404', async () => {
      const { org, primary } = await setup();
      const other = await ctx.app.newProject();
      const foreign = await createMember(other.client, (await createOrganization(other.client)).organization_id);
      await expectRefused(
        org.organization_id,
        { primary_member_id: primary, duplicate_member_ids: [foreign.member_id] },
        404,
        'member_not_found',
      );
      const { member: stillThere } = await other.client.organizations.members.dangerouslyGet({ member_id: foreign.member_id });
      expect(stillThere.member_id).toBe(foreign.member_id);
    });

    it('refuses an unknown organization with 404', async () => {
      const { primary, duplicate } = await setup();
      const jobs = await jobCount();
      const response = await requestMerge('organization-test-00000000-0000-7000-8000-000000000000', {
        primary_member_id: primary,
        duplicate_member_ids: [duplicate],
      });
      expect(response.status).toBe(404);
      expectErrorEnvelope(response.body, 404, 'organization_not_found');
      expect(await jobCount()).toBe(jobs);
    });

    it('fails the job with merge_members_changed and changes nothing when a duplicate is deleted before the worker runs', async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id, { name: '' });
      const kept = await member(org.organization_id, { name: 'Kept', roles: ['stytch_admin'] });
      const deleted = await member(org.organization_id);
      // No worker runs between the request and the deletion.
      await ctx.workers!.close();
      let response;
      let before;
      try {
        response = await requestMerge(org.organization_id, {
          primary_member_id: primary.member_id,
          duplicate_member_ids: [kept.member_id, deleted.member_id],
        });
        await ctx.client.organizations.members.delete({ organization_id: org.organization_id, member_id: deleted.member_id });
        before = await snapshot(org.organization_id);
      } finally {
        ctx.workers = startWorkers(ctx.app.container);
      }
      const job = await finished<MergeResult>(response);

      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({ error_type: 'merge_members_changed', error_message: expect.any(String) });
      expect(job.result).toBeNull();
      expect(await snapshot(org.organization_id)).toEqual(before);
      expect((await getById(org.organization_id, kept.member_id)).member_id).toBe(kept.member_id);
      expect((await getById(org.organization_id, primary.member_id)).name).toBe('');
    });
  });

  describe('scan', () => {
    it('answers 202 with a scan job and groups dot and +tag variants of a configured domain', async () => {
      const org = await newOrg();
      const a = await member(org.organization_id, { email_address: 'john.smith@gmail.com' });
      const b = await member(org.organization_id, { email_address: 'JohnSmith+news@gmail.com' });
      await member(org.organization_id, { email_address: 'jane@gmail.com' });
      const response = await requestScan(org.organization_id, { rules: [GMAIL_VARIANTS] });
      expect(response.body.job).toMatchObject({ job_id: expect.stringMatching(/^job-test-/), type: 'members.scan-duplicates' });

      const job = await finished<ScanResult>(response);
      expect(job.status).toBe('completed');
      expect(job.result).toEqual({
        truncated: false,
        groups: [
          {
            reason: 'email_variant',
            key: 'johnsmith@gmail.com',
            member_ids: [a.member_id, b.member_id],
            emails: ['john.smith@gmail.com', 'JohnSmith+news@gmail.com'],
          },
        ],
      });
    });

    it('does not apply the variants to domains outside the rules', async () => {
      const org = await newOrg();
      await member(org.organization_id, { email_address: 'john.smith@example.org' });
      await member(org.organization_id, { email_address: 'johnsmith+x@example.org' });
      await member(org.organization_id, { email_address: 'johnsmith@example.org' });
      expect((await scan(org.organization_id, [GMAIL_VARIANTS])).groups).toEqual([]);
    });

    it('applies only the variants a rule enables', async () => {
      const org = await newOrg();
      const dotted = await member(org.organization_id, { email_address: 'j.doe@corp.example.com' });
      const plain = await member(org.organization_id, { email_address: 'jdoe@corp.example.com' });
      await member(org.organization_id, { email_address: 'jdoe+tag@corp.example.com' });
      const { groups } = await scan(org.organization_id, [{ domains: ['corp.example.com'], ignore_dots: true }]);
      expect(groups).toEqual([
        {
          reason: 'email_variant',
          key: 'jdoe@corp.example.com',
          member_ids: [dotted.member_id, plain.member_id],
          emails: ['j.doe@corp.example.com', 'jdoe@corp.example.com'],
        },
      ]);
    });

    it('folds googlemail.com into gmail.com when both are in one rule', async () => {
      const org = await newOrg();
      const a = await member(org.organization_id, { email_address: 'jane.doe@googlemail.com' });
      const b = await member(org.organization_id, { email_address: 'janedoe+work@gmail.com' });
      const { groups } = await scan(org.organization_id, [
        { domains: ['gmail.com', 'googlemail.com'], ignore_dots: true, ignore_plus_tags: true },
      ]);
      expect(groups).toEqual([
        {
          reason: 'email_variant',
          key: 'janedoe@gmail.com',
          member_ids: [a.member_id, b.member_id],
          emails: ['jane.doe@googlemail.com', 'janedoe+work@gmail.com'],
        },
      ]);
    });

    it('keeps googlemail.com and gmail.com apart when they are in separate rules', async () => {
      const org = await newOrg();
      await member(org.organization_id, { email_address: 'jane.doe@googlemail.com' });
      await member(org.organization_id, { email_address: 'janedoe@gmail.com' });
      const rules = [GMAIL_VARIANTS, { domains: ['googlemail.com'], ignore_dots: true }];
      expect((await scan(org.organization_id, rules)).groups).toEqual([]);
    });

    it('groups external ids that differ only in case', async () => {
      const org = await newOrg();
      const upper = await member(org.organization_id, { external_id: 'EMP-7' });
      const lower = await member(org.organization_id, { external_id: 'emp-7' });
      await member(org.organization_id, { external_id: 'emp-8' });
      const { groups } = await scan(org.organization_id, []);
      expect(groups).toEqual([
        {
          reason: 'external_id',
          key: 'emp-7',
          member_ids: [upper.member_id, lower.member_id],
          emails: [upper.email_address, lower.email_address],
        },
      ]);
    });

    it('ignores deleted members', async () => {
      const org = await newOrg();
      const gone = await member(org.organization_id, { email_address: 'a.b@gmail.com', external_id: 'EMP-9' });
      await ctx.client.organizations.members.delete({ organization_id: org.organization_id, member_id: gone.member_id });
      await member(org.organization_id, { email_address: 'ab@gmail.com', external_id: 'emp-9' });
      expect((await scan(org.organization_id, [GMAIL_VARIANTS])).groups).toEqual([]);
    });

    it('lists the members of a group in creation order', async () => {
      const org = await newOrg();
      const created = [];
      for (const email_address of ['joe+2@gmail.com', 'j.oe@gmail.com', 'joe@gmail.com', 'jo.e+1@gmail.com']) {
        created.push(await member(org.organization_id, { email_address }));
      }
      const { groups } = await scan(org.organization_id, [GMAIL_VARIANTS]);
      expect(groups).toHaveLength(1);
      expect(groups[0].member_ids).toEqual(created.map((m) => m.member_id));
      expect(groups[0].emails).toEqual(created.map((m) => m.email_address));
    });

    it('changes nothing', async () => {
      const org = await newOrg();
      await member(org.organization_id, { email_address: 'a.b@gmail.com', external_id: 'X-1' });
      await member(org.organization_id, { email_address: 'ab+z@gmail.com', external_id: 'x-1' });
      const before = await snapshot(org.organization_id);
      const { groups } = await scan(org.organization_id, [GMAIL_VARIANTS]);
      expect(groups.map((g) => g.reason)).toEqual(['email_variant', 'external_id']);
      expect(await snapshot(org.organization_id)).toEqual({ ...before, jobs: before.jobs + 1 });
    });

    it('refuses an invalid rule domain in a scan with 400 and creates no job', async () => {
      const org = await newOrg();
      const jobs = await jobCount();
      const response = await requestScan(org.organization_id, { rules: [{ domains: ['not a domain'], ignore_dots: true }] });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status_code: 400, error_type: expect.any(String), request_id: expect.any(String) });
      expect(await jobCount()).toBe(jobs);
    });
  });

  describe('stored rules', () => {
    const rulesOf = (project: TestProject) => ctx.app.http('GET', '/v1/b2b/deduplication/rules', as(project));
    const putRules = (project: TestProject, rules: unknown) =>
      ctx.app.http('PUT', '/v1/b2b/deduplication/rules', { body: { rules }, ...as(project) });

    it('starts empty and round-trips rules through PUT and GET, domains lowercased and flags defaulted', async () => {
      const project = await ctx.app.newProject();
      expect((await rulesOf(project)).body.rules).toEqual([]);
      const put = await putRules(project, [
        { domains: ['Gmail.COM', ' googlemail.com '], ignore_dots: true },
        { domains: ['corp.example.com'], ignore_plus_tags: true },
      ]);
      const expected = [
        { domains: ['gmail.com', 'googlemail.com'], ignore_dots: true, ignore_plus_tags: false },
        { domains: ['corp.example.com'], ignore_dots: false, ignore_plus_tags: true },
      ];
      expect(put.status).toBe(200);
      expect(put.body.rules).toEqual(expected);
      const got = await rulesOf(project);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ status_code: 200, rules: expected });
    });

    it.each([
      ['an invalid domain', [{ domains: ['not a domain'] }]],
      ['a rule without domains', [{ ignore_dots: true }]],
      ['an empty domain list', [{ domains: [] }]],
      ['an unknown rule property', [{ domains: ['gmail.com'], ignore_case: true }]],
      ['a flag that is not a boolean', [{ domains: ['gmail.com'], ignore_dots: 'yes' }]],
      ['rules that are not an array', { domains: ['gmail.com'] }],
    ])('refuses %s with 400 and keeps the stored rules', async (_name, rules) => {
      const project = await ctx.app.newProject();
      const stored = [{ domains: ['gmail.com'], ignore_dots: true, ignore_plus_tags: true }];
      await putRules(project, stored);
      const response = await putRules(project, rules);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status_code: 400, error_type: expect.any(String), error_message: expect.any(String) });
      expect((await rulesOf(project)).body.rules).toEqual(stored);
    });

    it("uses the project's stored rules when the scan names none", async () => {
      const project = await ctx.app.newProject();
      await putRules(project, [GMAIL_VARIANTS]);
      const org = await createOrganization(project.client);
      const a = await createMember(project.client, org.organization_id, { email_address: 'm.x@gmail.com' });
      const b = await createMember(project.client, org.organization_id, { email_address: 'mx+1@gmail.com' });
      expect((await scan(org.organization_id, undefined, project)).groups).toEqual([
        {
          reason: 'email_variant',
          key: 'mx@gmail.com',
          member_ids: [a.member_id, b.member_id],
          emails: ['m.x@gmail.com', 'mx+1@gmail.com'],
        },
      ]);
    });

    it("lets the rules of a scan request override the project's stored rules", async () => {
      const project = await ctx.app.newProject();
      await putRules(project, [GMAIL_VARIANTS]);
      const org = await createOrganization(project.client);
      await createMember(project.client, org.organization_id, { email_address: 'm.x@gmail.com' });
      await createMember(project.client, org.organization_id, { email_address: 'mx@gmail.com' });
      const a = await createMember(project.client, org.organization_id, { email_address: 'q.r@corp.example.com' });
      const b = await createMember(project.client, org.organization_id, { email_address: 'qr@corp.example.com' });

      expect((await scan(org.organization_id, [{ domains: ['corp.example.com'], ignore_dots: true }], project)).groups).toEqual([
        {
          reason: 'email_variant',
          key: 'qr@corp.example.com',
          member_ids: [a.member_id, b.member_id],
          emails: ['q.r@corp.example.com', 'qr@corp.example.com'],
        },
      ]);
      expect((await scan(org.organization_id, [], project)).groups).toEqual([]);
    });

    it("keeps one project's rules from another project", async () => {
      const [one, two] = [await ctx.app.newProject(), await ctx.app.newProject()];
      await putRules(one, [GMAIL_VARIANTS]);
      expect((await rulesOf(two)).body.rules).toEqual([]);
    });
  });

  describe('tenant isolation', () => {
    it("refuses another project's scan and merge of this project's organization with 404, creating no job", async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicate = await member(org.organization_id);
      const other = await ctx.app.newProject();
      const before = await snapshot(org.organization_id);

      const scanned = await requestScan(org.organization_id, { rules: [GMAIL_VARIANTS] }, other);
      expect(scanned.status).toBe(404);
      expectErrorEnvelope(scanned.body, 404, 'organization_not_found');
      const merged = await requestMerge(
        org.organization_id,
        { primary_member_id: primary.member_id, duplicate_member_ids: [duplicate.member_id] },
        other,
      );
      expect(merged.status).toBe(404);
      expectErrorEnvelope(merged.body, 404, 'organization_not_found');
      expect(await snapshot(org.organization_id)).toEqual(before);
    });

    it("refuses another project's merge of this project's members into its own organization with 404", async () => {
      const other = await ctx.app.newProject();
      const theirs = await createOrganization(other.client);
      const theirMember = await createMember(other.client, theirs.organization_id);
      const org = await newOrg();
      const mine = await member(org.organization_id);
      const response = await requestMerge(
        theirs.organization_id,
        { primary_member_id: theirMember.member_id, duplicate_member_ids: [mine.member_id] },
        other,
      );
      expect(response.status).toBe(404);
      expectErrorEnvelope(response.body, 404, 'member_not_found');
      expect((await getById(org.organization_id, mine.member_id)).member_id).toBe(mine.member_id);
    });

    it("hides this project's deduplication jobs from another project", async () => {
      const org = await newOrg();
      const primary = await member(org.organization_id);
      const duplicate = await member(org.organization_id);
      const mergeJob = await requestMerge(org.organization_id, {
        primary_member_id: primary.member_id,
        duplicate_member_ids: [duplicate.member_id],
        dry_run: true,
      });
      const scanJob = await requestScan(org.organization_id, { rules: [] });
      const other = await ctx.app.newProject();
      for (const response of [mergeJob, scanJob]) {
        const jobId = response.body.job.job_id as string;
        await waitForJob(ctx.app, jobId);
        const seen = await ctx.app.http('GET', `/v1/b2b/jobs/${jobId}`, as(other));
        expect(seen.status).toBe(404);
        expectErrorEnvelope(seen.body, 404, 'job_not_found');
      }
    });
  });
});
