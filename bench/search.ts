/**
 * npm run bench:search -- [--members 1000000] [--organizations 1000]
 *
 * Seeds a database of its own with N members (set-based, in SQL), then runs
 * every organization and member search filter through the services and
 * prints, for each, the wall time and the plan Postgres chose (EXPLAIN
 * ANALYZE of each statement the search ran), so that a sequential scan on a
 * hot path shows up here. Prints figures; gates nothing.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createContainer } from '../src/container';
import { migrateToLatest } from '../src/db/database';
import { freshDatabase } from './fresh-database';
import { logger } from '../src/logger';
import type { ProjectContext } from '../src/services/project-context';
import { Client } from 'pg';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000000' },
    organizations: { type: 'string', default: '1000' },
    database: { type: 'string', default: 'roster_bench_search' },
  },
});
const MEMBERS = Number(values.members);
const ORGS = Number(values.organizations);

async function main(): Promise<void> {
  logger.level = 'warn';
  const base = loadConfig();
  const databaseUrl = await freshDatabase(base.databaseUrl, values.database!);
  const container = createContainer({ ...base, databaseUrl });
  const { knex } = container;
  await migrateToLatest(knex);

  const { projectId, secret } = await container.projects.create('bench', 'test');
  const project: ProjectContext = await container.projects.authenticate(projectId, secret);

  let started = Date.now();
  await knex.raw(
    `INSERT INTO organizations (id, project_id, name, slug, email_allowed_domains, rbac_email_implicit_role_assignments)
     SELECT gen_random_uuid(), ?, 'Company ' || i, 'company-' || i, ARRAY['org' || i || '.example.com'],
            CASE WHEN i % 10 = 0 THEN jsonb_build_array(jsonb_build_object('domain', 'org' || i || '.example.com', 'role_id', 'stytch_admin')) ELSE '[]'::jsonb END
     FROM generate_series(1, ?) AS i`,
    [project.id, ORGS],
  );
  await knex.raw(
    `INSERT INTO members (id, project_id, organization_id, email, email_normalized, status, name, is_breakglass, roles, mfa_phone_number)
     SELECT gen_random_uuid(), ?, o.id, e.email, e.email, CASE WHEN i % 50 = 0 THEN 'invited' ELSE 'active' END,
            'User ' || i, i % 1000 = 0, CASE WHEN i % 100 = 0 THEN ARRAY['stytch_admin'] ELSE '{}'::text[] END,
            '+1555' || lpad((i % 10000000)::text, 7, '0')
     FROM generate_series(1, ?) AS i
     CROSS JOIN LATERAL (SELECT 'user' || i || '@org' || (i % ?) + 1 || '.example.com' AS email) e
     JOIN organizations o ON o.project_id = ? AND o.slug = 'company-' || ((i % ?) + 1)`,
    [project.id, MEMBERS, ORGS, project.id, ORGS],
  );
  await knex.raw('ANALYZE');
  console.log(`seeded ${ORGS} organizations and ${MEMBERS} members in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const orgs = await knex('organizations').select('id').orderBy('id').limit(3);
  const env = project.env;
  const orgRef = (id: string) => `organization-${env}-${id}`;
  const someOrgs = orgs.map((o) => orgRef(o.id));
  const sampleEmail = 'user12345@org346.example.com';

  const captured: { sql: string; bindings: readonly unknown[] }[] = [];
  knex.on('query', (q: { sql: string; bindings: readonly unknown[] }) => captured.push(q));

  type Query = NonNullable<Parameters<typeof container.organizations.search>[1]['query']>;
  /** One filter, the way the benchmark's cases ask. */
  const only = (filter_name: string, filter_value: unknown) => ({ operator: 'AND', operands: [{ filter_name, filter_value }] }) as Query;
  const organizationsWhere = (filter_name: string, filter_value: unknown) =>
    container.organizations.search(project, { query: only(filter_name, filter_value) });
  const membersWhere = (organization_ids: string[], filter_name: string, filter_value: unknown) =>
    container.members.search(project, { organization_ids, query: only(filter_name, filter_value) }).then((p) => ({ total: p.total }));

  const cases: [string, () => Promise<{ total: number }>][] = [
    ['organizations: no filter (page 1)', () => container.organizations.search(project, {})],
    ['organizations: organization_slugs', () => organizationsWhere('organization_slugs', ['company-7'])],
    ['organizations: organization_name_fuzzy', () => organizationsWhere('organization_name_fuzzy', 'any 77')],
    ['organizations: member_emails', () => organizationsWhere('member_emails', [sampleEmail])],
    ['organizations: member_email_fuzzy', () => organizationsWhere('member_email_fuzzy', 'user123456@')],
    ['organizations: allowed_domains', () => organizationsWhere('allowed_domains', ['org9.example.com'])],
    ['organizations: allowed_domain_fuzzy', () => organizationsWhere('allowed_domain_fuzzy', 'org99.exa')],
    [
      'members: one org, no filter',
      () => container.members.search(project, { organization_ids: [someOrgs[0]] }).then((p) => ({ total: p.total })),
    ],
    ['members: 3 orgs, member_emails', () => membersWhere(someOrgs, 'member_emails', [sampleEmail])],
    ['members: one org, member_email_fuzzy', () => membersWhere([someOrgs[0]], 'member_email_fuzzy', 'user1234')],
    ['members: one org, statuses invited', () => membersWhere([someOrgs[0]], 'statuses', ['invited'])],
    ['members: one org, member_roles stytch_admin', () => membersWhere([someOrgs[0]], 'member_roles', ['stytch_admin'])],
    [
      'members: get by email',
      () =>
        container.members.get(project, someOrgs[0], { email_address: 'nobody@example.com' }).then(
          () => ({ total: 1 }),
          () => ({ total: 0 }),
        ),
    ],
  ];

  // The captured statements carry pg's $n placeholders: EXPLAIN them through pg itself.
  const explainer = new Client({ connectionString: databaseUrl });
  await explainer.connect();
  console.log('\ncase | ms | total | plan of the slowest statement');
  for (const [name, run] of cases) {
    await run(); // warm the cache
    captured.length = 0;
    started = performance.now();
    const { total } = await run();
    const ms = performance.now() - started;
    let slowest = { time: -1, plan: '' };
    for (const q of captured) {
      const explained = await explainer.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.bindings as unknown[]);
      const plan = explained.rows[0]['QUERY PLAN'][0];
      if (plan['Execution Time'] > slowest.time) slowest = { time: plan['Execution Time'], plan: describe(plan.Plan) };
    }
    console.log(`${name} | ${ms.toFixed(1)} | ${total} | ${slowest.plan} (${slowest.time.toFixed(1)} ms)`);
  }
  await explainer.end();
  await container.close();
}

/** The fields of an `EXPLAIN (FORMAT JSON)` plan node this bench reads. */
interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The scan nodes of a plan, e.g. "Index Scan using members__organization_id_id__index". */
function describe(node: PlanNode): string {
  const scans: string[] = [];
  const walk = (n: PlanNode) => {
    if (/Scan/.test(n['Node Type']))
      scans.push(`${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ` on ${n['Relation Name'] ?? ''}`}`);
    (n.Plans ?? []).forEach(walk);
  };
  walk(node);
  return [...new Set(scans)].join(', ');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
