import { randomUUID } from 'node:crypto';
import { useTestApp } from '../helpers/app';
import { expectStytchError } from '../helpers/assertions';
import { createOrganization, unique } from '../helpers/factories';
import { csv, migrate } from '../helpers/migrations';
import { eventually } from '../helpers/eventually';

/**
 * Wherever an organization_id is taken, a slug or an external id works too:
 * these pin that every such reference names at most one organization.
 */
describe('organization references are unambiguous', () => {
  const ctx = useTestApp({}, { workers: true });

  const get = async (ref: string) => (await ctx.client.organizations.get({ organization_id: ref })).organization;
  const update = (organizationId: string, fields: Record<string, unknown>) =>
    ctx.client.organizations.update({ organization_id: organizationId, ...fields });

  describe('a slug never equals another organization’s external id', () => {
    it.each([
      ['the same case', (ref: string) => ref],
      ['another letter case', (ref: string) => ref.toUpperCase()],
    ])('refuses to create an organization whose slug is an external id, in %s', async (_label, variant) => {
      const owner = await createOrganization(ctx.client, { organization_external_id: unique('acme-ext') });
      await expectStytchError(
        createOrganization(ctx.client, { organization_slug: variant(owner.organization_external_id!) }),
        400,
        'organization_slug_already_used',
      );
      expect((await get(owner.organization_external_id!)).organization_id).toBe(owner.organization_id);
    });

    it('refuses to change a slug to another organization’s external id, and leaves it unchanged', async () => {
      const owner = await createOrganization(ctx.client, { organization_external_id: unique('ext') });
      const other = await createOrganization(ctx.client);
      await expectStytchError(
        update(other.organization_id, { organization_slug: owner.organization_external_id }),
        400,
        'organization_slug_already_used',
      );
      expect(await get(other.organization_id)).toEqual(other);
      expect((await get(owner.organization_external_id!)).organization_id).toBe(owner.organization_id);
    });

    it('refuses to create an organization whose external id is another organization’s slug (ignoring case)', async () => {
      const owner = await createOrganization(ctx.client);
      await expectStytchError(
        createOrganization(ctx.client, { organization_external_id: owner.organization_slug.toUpperCase() }),
        400,
        'organization_external_id_already_used',
      );
      expect((await get(owner.organization_slug.toUpperCase())).organization_id).toBe(owner.organization_id);
    });

    it('refuses to set an external id that is another organization’s slug, and leaves it unchanged', async () => {
      const owner = await createOrganization(ctx.client);
      const other = await createOrganization(ctx.client, { organization_external_id: unique('ext') });
      await expectStytchError(
        update(other.organization_id, { organization_external_id: owner.organization_slug }),
        400,
        'organization_external_id_already_used',
      );
      expect(await get(other.organization_id)).toEqual(other);
    });

    it('lets an organization use one value as both its own slug and its own external id', async () => {
      const ref = unique('same');
      const organization = await createOrganization(ctx.client, { organization_slug: ref, organization_external_id: ref });
      expect((await get(ref)).organization_id).toBe(organization.organization_id);
      const renamed = (await update(organization.organization_id, { organization_slug: `${ref}-2`, organization_external_id: `${ref}-2` }))
        .organization;
      expect(renamed.organization_slug).toBe(`${ref}-2`);
      expect(renamed.organization_external_id).toBe(`${ref}-2`);
    });

    it('frees a deleted organization’s external id for use as a slug', async () => {
      const deleted = await createOrganization(ctx.client, { organization_external_id: unique('gone') });
      await ctx.client.organizations.delete({ organization_id: deleted.organization_id });
      const reborn = await createOrganization(ctx.client, { organization_slug: deleted.organization_external_id! });
      expect((await get(deleted.organization_external_id!)).organization_id).toBe(reborn.organization_id);
    });

    it('generates a slug other than an external id in use for an organization created without a slug', async () => {
      const name = unique('Globex');
      const owner = await createOrganization(ctx.client, { organization_external_id: name.toLowerCase() });
      const created = await createOrganization(ctx.client, { organization_name: name, organization_slug: undefined });
      expect(created.organization_slug.toLowerCase()).not.toBe(name.toLowerCase());
      expect((await get(name.toLowerCase())).organization_id).toBe(owner.organization_id);
      expect((await get(created.organization_slug)).organization_id).toBe(created.organization_id);
    });
  });

  describe('no slug or external id has the shape of an organization id', () => {
    const idShaped = [
      ['a test id', () => `organization-test-${randomUUID()}`],
      ['a live id', () => `organization-live-${randomUUID()}`],
      ['an id in upper case', () => `ORGANIZATION-TEST-${randomUUID().toUpperCase()}`],
    ] as const;

    it.each(idShaped)('refuses %s as a slug, on create and on update', async (_label, ref) => {
      const value = ref();
      await expectStytchError(createOrganization(ctx.client, { organization_slug: value }), 400, 'invalid_organization_slug');
      const organization = await createOrganization(ctx.client);
      await expectStytchError(update(organization.organization_id, { organization_slug: value }), 400, 'invalid_organization_slug');
      expect(await get(organization.organization_id)).toEqual(organization);
    });

    it.each(idShaped)('refuses %s as an external id, on create and on update', async (_label, ref) => {
      const value = ref();
      await expectStytchError(createOrganization(ctx.client, { organization_external_id: value }), 400, 'invalid_external_id');
      const organization = await createOrganization(ctx.client);
      await expectStytchError(update(organization.organization_id, { organization_external_id: value }), 400, 'invalid_external_id');
      expect(await get(organization.organization_id)).toEqual(organization);
    });

    it('does not derive an id-shaped slug from an id-shaped name', async () => {
      const created = await createOrganization(ctx.client, {
        organization_name: `organization-live-${randomUUID()}`,
        organization_slug: undefined,
      });
      expect(created.organization_slug).not.toMatch(/^organization-(test|live)-/);
      expect((await get(created.organization_slug)).organization_id).toBe(created.organization_id);
    });
  });

  describe('in the database, for every writer', () => {
    const projectUuid = () => ctx.app.project.projectId.replace(/^project-test-/, '');
    const insert = (fields: { slug: string; external_id?: string }) =>
      ctx.app.container.knex('organizations').insert({ id: randomUUID(), project_id: projectUuid(), name: 'raw', ...fields });

    it('refuses a slug that is another organization’s external id, written in SQL', async () => {
      const owner = await createOrganization(ctx.client, { organization_external_id: unique('sql') });
      await expect(insert({ slug: owner.organization_external_id! })).rejects.toMatchObject({
        code: '23505',
        constraint: 'organizations__slug__other_external_id',
      });
    });

    it('refuses an external id that is another organization’s slug, written in SQL', async () => {
      const owner = await createOrganization(ctx.client);
      await expect(insert({ slug: unique('raw'), external_id: owner.organization_slug })).rejects.toMatchObject({
        code: '23505',
        constraint: 'organizations__external_id__other_slug',
      });
    });

    it('refuses id-shaped slugs and external ids written in SQL', async () => {
      await expect(insert({ slug: `organization-test-${randomUUID()}` })).rejects.toMatchObject({
        code: '23514',
        constraint: 'organizations__slug__not_id',
      });
      await expect(insert({ slug: unique('raw'), external_id: `organization-live-${randomUUID()}` })).rejects.toMatchObject({
        code: '23514',
        constraint: 'organizations__external_id__not_id',
      });
    });
  });

  it('creates no organization from a CSV import whose slug is an external id or has an id’s shape, and reports those rows', async () => {
    const owner = await createOrganization(ctx.client, { organization_external_id: unique('csv-ext') });
    const idShaped = `organization-test-${randomUUID()}`;
    const fresh = unique('csv-new');
    const job = await migrate(
      ctx.app,
      csv(
        ['email_address', 'organization_slug'],
        [
          [`${unique('a')}@acme.com`, owner.organization_external_id!],
          [`${unique('b')}@acme.com`, idShaped],
          [`${unique('c')}@acme.com`, fresh],
        ],
      ),
      { create_organizations: 'true' },
    );
    expect(job.status).toBe('completed');
    expect(job.progress).toMatchObject({ total_rows: 3, created: 1, failed: 2 });
    const errors = (await ctx.app.http('GET', `/v1/b2b/jobs/${job.job_id}/errors`)).body.errors as { line: number; error_type: string }[];
    expect(errors.map((e) => [e.line, e.error_type])).toEqual([
      [2, 'unknown_organization'],
      [3, 'unknown_organization'],
    ]);
    expect((await get(owner.organization_external_id!)).organization_id).toBe(owner.organization_id);
    expect((await get(fresh)).organization_slug).toBe(fresh);
  });

  describe('under concurrency', () => {
    const knex = () => ctx.app.container.knex;
    const projectUuid = () => ctx.app.project.projectId.replace(/^project-test-/, '');

    /** Sessions of this test's database waiting for an advisory lock. */
    const advisoryLockWaiters = async (): Promise<number> =>
      (
        await knex().raw(
          `SELECT count(*) AS waiting FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        )
      ).rows[0].waiting;

    it.each([
      ['a slug', { slug: 'REF' }, { organization_external_id: 'REF' }, 'organization_external_id_already_used'],
      ['an external id', { external_id: 'REF' }, { organization_slug: 'REF' }, 'organization_slug_already_used'],
    ])(
      'makes a request wait for an uncommitted writer of %s, then refuses the same reference',
      async (_label, written, requested, errorType) => {
        const ref = unique('held');
        const fill = (fields: Record<string, string>) =>
          Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value === 'REF' ? ref : value]));
        const other = await createOrganization(ctx.client);
        // Another writer has taken the reference but not committed yet: what a plain read-then-write check misses.
        const trx = await knex().transaction();
        try {
          await trx('organizations').insert({
            id: randomUUID(),
            project_id: projectUuid(),
            name: 'held',
            slug: unique('held'),
            ...fill(written),
          });
          let settled = false;
          const racing = update(other.organization_id, fill(requested)).finally(() => {
            settled = true;
          });
          racing.catch(() => undefined);
          await eventually(
            async () => {
              if (settled) return true;
              return (await advisoryLockWaiters()) > 0;
            },
            { what: 'the request to wait for the writer (or settle)', intervalMs: 10 },
          );
          await trx.commit();
          await expectStytchError(racing, 400, errorType);
        } finally {
          if (!trx.isCompleted()) await trx.rollback();
        }
        expect(await get(other.organization_id)).toEqual(other);
      },
    );

    /** Both calls settle; returns which succeeded. */
    async function race(first: () => Promise<unknown>, second: () => Promise<unknown>) {
      const [a, b] = await Promise.allSettled([first(), second()]);
      for (const outcome of [a, b]) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toMatchObject({ status_code: 400, error_type: expect.stringMatching(/_already_used$/) });
        }
      }
      return [a.status === 'fulfilled', b.status === 'fulfilled'];
    }

    it.each([
      ['organization_slug', 'organization_external_id'],
      ['organization_external_id', 'organization_slug'],
    ])('lets exactly one of "create with %s X" and "set %s X on another organization" win, every time', async (created_as, updated_as) => {
      const others = await Promise.all(Array.from({ length: 20 }, () => createOrganization(ctx.client)));
      const outcomes = await Promise.all(
        others.map(async (other) => {
          const ref = unique('raced');
          const [created, updated] = await race(
            () => createOrganization(ctx.client, { [created_as]: ref }),
            () => update(other.organization_id, { [updated_as]: ref }),
          );
          const resolved = await get(ref);
          return { created, updated, resolvesToOther: resolved.organization_id === other.organization_id };
        }),
      );
      for (const outcome of outcomes) {
        expect(outcome.created !== outcome.updated).toBe(true);
        expect(outcome.resolvesToOther).toBe(outcome.updated);
      }
    });
  });
});
