/**
 * npm run bench:import -- [--rows 1000000]
 *
 * In one run, on a database of its own:
 *  (a) raw COPY of the valid rows of a generated file into a members table
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
    rows: { type: 'string', default: '1000000' },
    database: { type: 'string', default: 'roster_bench_import' },
  },
});
const ROWS = Number(values.rows);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

/** ~2% broken rows and ~1% duplicates, like a real legacy export. */
async function generate(csvPath: string, copyPath: string, projectId: string, organizationId: string): Promise<number> {
  const csv = createWriteStream(csvPath);
  const copy = createWriteStream(copyPath);
  csv.write('email_address,name,roles,external_id,trusted_metadata\n');
  let valid = 0;
  let csvBatch = '';
  let copyBatch = '';
  for (let i = 1; i <= ROWS; i++) {
    let email = `user${i}@acme.example.com`;
    let metadata = i % 7 === 0 ? '"{""plan"":""pro""}"' : '';
    if (i % 100 === 0) email = `user${i - 1}@acme.example.com`; // duplicate of the previous row
    else if (i % 50 === 1) email = `not-an-email-${i}`;
    else if (i % 50 === 2) metadata = '{broken';
    const ok = !(i % 100 === 0 || i % 50 === 1 || i % 50 === 2);
    csvBatch += `${email},User ${i},${i % 20 === 0 ? 'stytch_admin' : ''},ext-${i},${metadata}\n`;
    if (ok) {
      valid++;
      copyBatch += `${randomUUID()}\t${projectId}\t${organizationId}\t${email}\t${email}\tactive\tUser ${i}\t${i % 20 === 0 ? '{stytch_admin}' : '{}'}\text-${i}\t${i % 7 === 0 ? '{"plan": "pro"}' : '{}'}\n`;
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

async function main(): Promise<void> {
  logger.level = 'warn';
  const base = loadConfig();
  const databaseUrl = await freshDatabase(base.databaseUrl, values.database!);

  const config = { ...base, databaseUrl, queuePrefix: `bench-${Date.now()}`, migrationChunkRows: base.migrationChunkRows };
  const container = createContainer(config);
  await migrateToLatest(container.knex);
  const { projectId, secret } = await container.projects.create('bench', 'test');
  const project = await container.projects.authenticate(projectId, secret);
  const rawOrg = await container.organizations.create(project, { organization_name: 'Raw', organization_slug: 'raw' });
  await container.organizations.create(project, { organization_name: 'Acme', organization_slug: 'acme' });

  const csvPath = join(tmpdir(), `roster-bench-${process.pid}.csv`);
  const copyPath = join(tmpdir(), `roster-bench-${process.pid}.copy`);
  let started = Date.now();
  const validRows = await generate(csvPath, copyPath, project.id, rawOrg.id);
  console.log(`generated ${ROWS} rows (${validRows} valid, ${(statSync(csvPath).size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // (a) raw COPY into an identical table.
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  await pg.query('CREATE TABLE raw_members (LIKE members INCLUDING ALL)');
  await pg.query('ALTER TABLE raw_members ADD FOREIGN KEY (project_id) REFERENCES projects(id), ADD FOREIGN KEY (organization_id) REFERENCES organizations(id)');
  started = performance.now();
  const copy = pg.query(copyFrom('COPY raw_members (id, project_id, organization_id, email, email_normalized, status, name, roles, external_id, trusted_metadata) FROM STDIN'));
  createReadStream(copyPath).pipe(copy);
  await finished(copy);
  const copySeconds = (performance.now() - started) / 1000;
  await pg.end();

  // (b) the migration job, through HTTP and the workers.
  const server = createApp(container).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const workers = startWorkers(container);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/b2b/migrations/members?organization_id=acme`;
  const auth = `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`;
  started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'text/csv' },
    body: createReadStream(csvPath),
    duplex: 'half',
  } as RequestInit);
  const accepted = (await response.json()) as { job: { job_id: string } };
  if (response.status !== 202) throw new Error(`upload failed: ${JSON.stringify(accepted)}`);
  const uploadSeconds = (performance.now() - started) / 1000;
  let job: { status: string; progress: Record<string, number> };
  for (;;) {
    job = await container.jobs.get(project, accepted.job.job_id);
    if (job.status !== 'queued' && job.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const jobSeconds = (performance.now() - started) / 1000;

  const copyRate = validRows / copySeconds;
  const jobRate = ROWS / jobSeconds;
  console.log(`(a) raw COPY of ${validRows} valid rows: ${copySeconds.toFixed(2)} s, ${Math.round(copyRate)} rows/s`);
  console.log(`(b) migration job of ${ROWS} rows: ${jobSeconds.toFixed(2)} s (upload ${uploadSeconds.toFixed(2)} s), ${Math.round(jobRate)} rows/s, status ${job.status}`);
  console.log(`    counts: ${JSON.stringify(job.progress)}`);
  console.log(`ratio (b)/(a): ${(jobRate / copyRate * 100).toFixed(0)}% of raw COPY's rate`);
  console.log(`peak RSS of this process (server + workers): ${(peakRss / 1048576).toFixed(0)} MiB`);

  clearInterval(sampler);
  await workers.close();
  server.close();
  await container.close();
  unlinkSync(csvPath);
  unlinkSync(copyPath);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
