/**
 * npm run bench:import -- [--rows 200000] [--orgs 200]
 *
 * Runs two file shapes, each on a fresh database of its own: one where every
 * row names the same organization by `organization_slug`, and one where the
 * rows are spread over `--orgs` organizations by slug (created beforehand).
 * For each shape, in the same run:
 *  (a) raw COPY of the valid rows of the generated file into a members table
 *      identical to Roster's (same columns, indexes and foreign keys);
 *  (b) the full migration job of that file: HTTP upload of the CSV, then
 *      the workers, until the job reports completed.
 * Prints rows/s of both, their ratio, the job's counts and the peak RSS of
 * this process (which runs the server and the workers). Gates nothing.
 */
import { createWriteStream, createReadStream, statSync, unlinkSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { createContainer } from '../src/container';
import { migrateToLatest } from '../src/db/database';
import { freshDatabase } from './fresh-database';
import { logger } from '../src/logger';
import { startWorkers } from '../workers';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    orgs: { type: 'string', default: '200' },
    database: { type: 'string', default: 'roster_bench_import' },
  },
});
const ROWS = Number(values.rows);
const ORGS = Number(values.orgs);
if (!(ROWS > 0) || !Number.isInteger(ORGS) || ORGS < 1) throw new Error('--rows and --orgs must be positive integers');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

interface Organization {
  id: string;
  slug: string;
}

/**
 * ~2% broken rows and ~1% duplicates, like a real legacy export. The user
 * number picks the organization, so a duplicate lands in the same one as
 * the row it repeats, and consecutive rows alternate between organizations.
 */
async function generate(csvPath: string, copyPath: string, projectId: string, organizations: Organization[]): Promise<number> {
  const csv = createWriteStream(csvPath);
  const copy = createWriteStream(copyPath);
  csv.write('email_address,organization_slug,name,roles,external_id,trusted_metadata\n');
  let valid = 0;
  let csvBatch = '';
  let copyBatch = '';
  for (let i = 1; i <= ROWS; i++) {
    const user = i % 100 === 0 ? i - 1 : i; // every 100th row repeats the previous one's email
    let email = `user${user}@acme.example.com`;
    let metadata = i % 7 === 0 ? '"{""plan"":""pro""}"' : '';
    if (i % 50 === 1) email = `not-an-email-${i}`;
    else if (i % 50 === 2) metadata = '{broken';
    const ok = !(i % 100 === 0 || i % 50 === 1 || i % 50 === 2);
    const organization = organizations[user % organizations.length];
    csvBatch += `${email},${organization.slug},User ${i},${i % 20 === 0 ? 'stytch_admin' : ''},ext-${i},${metadata}\n`;
    if (ok) {
      valid++;
      copyBatch += `${randomUUID()}\t${projectId}\t${organization.id}\t${email}\t${email}\tactive\tUser ${i}\t${i % 20 === 0 ? '{stytch_admin}' : '{}'}\text-${i}\t${i % 7 === 0 ? '{"plan": "pro"}' : '{}'}\n`;
    }
    if (csvBatch.length > 1 << 20) {
      if (!csv.write(csvBatch)) await once(csv, 'drain');
      if (!copy.write(copyBatch)) await once(copy, 'drain');
      csvBatch = copyBatch = '';
    }
  }
  csv.end(csvBatch);
  copy.end(copyBatch);
  await Promise.all([finished(csv), finished(copy)]);
  return valid;
}

interface ShapeResult {
  organizations: number;
  ratio: number;
}

/** One file shape on a fresh database: generate, raw COPY, migration job; prints and returns its ratio. */
async function runShape(organizationCount: number): Promise<ShapeResult> {
  const base = loadConfig();
  const databaseUrl = await freshDatabase(base.databaseUrl, values.database!);
  const container = createContainer({ ...base, databaseUrl, queuePrefix: `bench-${Date.now()}` });
  await migrateToLatest(container.knex);
  const { projectId, secret } = await container.projects.create('bench', 'test');
  const project = await container.projects.authenticate(projectId, secret);
  const organizations: Organization[] = [];
  for (let n = 0; n < organizationCount; n++) {
    const slug = `org-${n}`;
    const created = await container.organizations.create(project, { organization_name: `Org ${n}`, organization_slug: slug });
    organizations.push({ id: created.id, slug });
  }

  const csvPath = join(tmpdir(), `roster-bench-${process.pid}.csv`);
  const copyPath = join(tmpdir(), `roster-bench-${process.pid}.copy`);
  console.log(`\n== ${ROWS} rows over ${organizationCount} organization(s) by organization_slug ==`);
  let started = Date.now();
  const validRows = await generate(csvPath, copyPath, project.id, organizations);
  console.log(
    `generated ${ROWS} rows (${validRows} valid, ${(statSync(csvPath).size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  // (a) raw COPY into an identical table.
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  await pg.query('CREATE TABLE raw_members (LIKE members INCLUDING ALL)');
  await pg.query(
    'ALTER TABLE raw_members ADD FOREIGN KEY (project_id) REFERENCES projects(id), ADD FOREIGN KEY (organization_id) REFERENCES organizations(id)',
  );
  started = performance.now();
  const copy = pg.query(
    copyFrom(
      'COPY raw_members (id, project_id, organization_id, email, email_normalized, status, name, roles, external_id, trusted_metadata) FROM STDIN',
    ),
  );
  createReadStream(copyPath).pipe(copy);
  await finished(copy);
  const copySeconds = (performance.now() - started) / 1000;
  await pg.query('DROP TABLE raw_members');
  await pg.end();

  // (b) the migration job, through HTTP and the workers.
  const server = createApp(container).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const workers = startWorkers(container);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/b2b/migrations/members`;
  const auth = `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`;
  started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'text/csv' },
    body: createReadStream(csvPath),
    duplex: 'half',
    // Node's fetch streams a Node stream; the DOM typings preact's JSX types pull in do not know it.
  } as unknown as RequestInit);
  const accepted = (await response.json()) as { job: { job_id: string } };
  if (response.status !== 202) throw new Error(`upload failed: ${JSON.stringify(accepted)}`);
  const uploadSeconds = (performance.now() - started) / 1000;
  // The job turns running once its set-based validation has committed; the chunks follow.
  let validatedSeconds = 0;
  let job: { status: string; progress: Record<string, number> };
  for (;;) {
    job = await container.jobs.get(project, accepted.job.job_id);
    if (job.status !== 'queued' && validatedSeconds === 0) validatedSeconds = (performance.now() - started) / 1000;
    if (job.status !== 'queued' && job.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const jobSeconds = (performance.now() - started) / 1000;

  const copyRate = validRows / copySeconds;
  const jobRate = ROWS / jobSeconds;
  const ratio = jobRate / copyRate;
  console.log(`(a) raw COPY of ${validRows} valid rows: ${copySeconds.toFixed(2)} s, ${Math.round(copyRate)} rows/s`);
  console.log(
    `(b) migration job of ${ROWS} rows: ${jobSeconds.toFixed(2)} s (upload ${uploadSeconds.toFixed(2)} s, validation ${(validatedSeconds - uploadSeconds).toFixed(2)} s, chunks ${(jobSeconds - validatedSeconds).toFixed(2)} s), ${Math.round(jobRate)} rows/s, status ${job.status}`,
  );
  console.log(`    counts: ${JSON.stringify(job.progress)}`);
  console.log(`ratio (b)/(a): ${(ratio * 100).toFixed(0)}% of raw COPY's rate`);

  await workers.close();
  server.close();
  await container.close();
  unlinkSync(csvPath);
  unlinkSync(copyPath);
  return { organizations: organizationCount, ratio };
}

async function main(): Promise<void> {
  logger.level = 'warn';
  const results: ShapeResult[] = [];
  for (const count of ORGS === 1 ? [1] : [1, ORGS]) results.push(await runShape(count));
  console.log(
    `\nsummary (${ROWS} rows): ${results.map((r) => `${r.organizations} org(s) ${(r.ratio * 100).toFixed(0)}%`).join(', ')} of raw COPY's rate`,
  );
  console.log(`peak RSS of this process (server + workers): ${(peakRss / 1048576).toFixed(0)} MiB`);
  clearInterval(sampler);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
