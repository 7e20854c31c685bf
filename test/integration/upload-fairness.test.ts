import { request } from 'node:http';
import { parseId } from '../../src/ids';
import { stagingTable } from '../../src/repositories/member-import/staging';
import type { TestApp, TestAppHolder, TestProject } from '../helpers/app';
import { useTestApp } from '../helpers/app';
import { expectErrorEnvelope } from '../helpers/assertions';
import { createOrganization } from '../helpers/factories';
import { getJob } from '../helpers/migrations';
import { eventually } from '../helpers/eventually';

interface Answer {
  status: number;
  body: Record<string, any>;
}

/** A CSV upload whose body the test sends piece by piece, or not at all: a slow or stalled client. */
interface OpenUpload {
  send(text: string): void;
  finish(text?: string): void;
  /** Drops the connection mid-body, as a crashed client would. */
  abort(): void;
  answer: Promise<Answer>;
}

function openUpload(app: TestApp, project: TestProject, organizationId: string): OpenUpload {
  const url = new URL(`${app.baseUrl}/v1/b2b/migrations/members?organization_id=${organizationId}`);
  const req = request(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/csv',
      authorization: `Basic ${Buffer.from(`${project.projectId}:${project.secret}`).toString('base64')}`,
    },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  // An aborted upload's answer never comes; only the tests that wait for one see its rejection.
  answer.catch(() => undefined);
  req.flushHeaders();
  return {
    send: (text) => req.write(text),
    finish: (text) => req.end(text),
    abort: () => req.destroy(),
    answer,
  };
}

const HEADER = 'email_address\r\n';
const rows = (domain: string, count: number) => Array.from({ length: count }, (_, i) => `user${i}@${domain}\r\n`).join('');
const projectUuid = (project: TestProject) => project.projectId.replace(/^project-(test|live)-/, '');
const jobUuid = (jobId: string) => parseId('job', 'test', jobId)!;

function helpers(ctx: TestAppHolder) {
  const knex = () => ctx.app.container.knex;
  /** Uploads of the project the server is receiving right now (their jobs exist, still uploading). */
  const receiving = async (project: TestProject) =>
    Number(
      (await knex()('jobs')
        .where({ project_id: projectUuid(project), phase: 'uploading' })
        .whereNull('finished_at')
        .count({ n: '*' })
        .first())!.n,
    );
  const stagingExists = async (jobId: string) =>
    (await knex().raw('SELECT to_regclass(?) AS t', [stagingTable(jobUuid(jobId))])).rows[0].t !== null;
  /** A project with an organization to upload into. */
  const projectWithOrganization = async (project?: TestProject) => {
    const p = project ?? (await ctx.app.newProject());
    return { project: p, organizationId: (await createOrganization(p.client)).organization_id };
  };
  /** `count` uploads of the project that sent their header row and a first row, then stalled; resolves once the server holds them all. */
  const stallUploads = async (target: { project: TestProject; organizationId: string }, count: number) => {
    const before = await receiving(target.project);
    const uploads = Array.from({ length: count }, () => openUpload(ctx.app, target.project, target.organizationId));
    // csv-parse holds the last bytes it has until more come: a row after the header lets the header through.
    for (const upload of uploads) upload.send(HEADER + rows('stalled.com', 1));
    await eventually(async () => (await receiving(target.project)) === before + count, {
      what: `${count} stalled uploads received`,
      intervalMs: 10,
    });
    return uploads;
  };
  /** A whole file, sent at once. */
  const uploadFile = async (target: { project: TestProject; organizationId: string }, domain: string) => {
    const upload = openUpload(ctx.app, target.project, target.organizationId);
    upload.finish(HEADER + rows(domain, 3));
    return upload.answer;
  };
  return { receiving, stagingExists, projectWithOrganization, stallUploads, uploadFile };
}

describe('upload slots are shared fairly between projects', () => {
  // The defaults: two uploads per project, eight in all.
  const ctx = useTestApp();
  const { receiving, projectWithOrganization, stallUploads, uploadFile } = helpers(ctx);

  it("refuses a project's upload over its own limit with 429 while another project's upload goes through", async () => {
    const a = await projectWithOrganization(ctx.app.project);
    const b = await projectWithOrganization();
    const stalled = await stallUploads(a, 2);
    try {
      const refused = await uploadFile(a, 'a-over.com');
      expect(refused.status).toBe(429);
      expectErrorEnvelope(refused.body, 429, 'too_many_requests');
      expect(refused.body.error_message).toMatch(/this project already has 2 uploads in progress/i);

      const accepted = await uploadFile(b, 'b.com');
      expect(accepted.status).toBe(202);
      expect(accepted.body.job.progress.total_rows).toBe(3);
    } finally {
      for (const upload of stalled) upload.abort();
    }
  });

  it('frees the slots of uploads whose clients dropped the connection, and marks their jobs failed', async () => {
    const a = await projectWithOrganization();
    const stalled = await stallUploads(a, 2);
    for (const upload of stalled) upload.abort();
    await eventually(async () => (await receiving(a.project)) === 0, { what: 'dropped uploads released', intervalMs: 10 });

    const failed = await ctx.app.container
      .knex('jobs')
      .where({ project_id: projectUuid(a.project) })
      .select('status', 'error');
    expect(failed).toEqual([
      { status: 'failed', error: expect.objectContaining({ error_type: 'upload_failed' }) },
      { status: 'failed', error: expect.objectContaining({ error_type: 'upload_failed' }) },
    ]);
    expect((await uploadFile(a, 'a-again.com')).status).toBe(202);
  });
});

describe('the total upload limit', () => {
  const ctx = useTestApp({ ROSTER_UPLOADS_PER_PROJECT: '2', ROSTER_UPLOADS_TOTAL: '3' });
  const { projectWithOrganization, stallUploads, uploadFile } = helpers(ctx);

  it('refuses any upload with 429 once every slot is taken, and accepts again once one is free', async () => {
    const a = await projectWithOrganization(ctx.app.project);
    const b = await projectWithOrganization();
    const c = await projectWithOrganization();
    const stalledA = await stallUploads(a, 2);
    const stalledB = await stallUploads(b, 1);
    try {
      const refused = await uploadFile(c, 'c.com');
      expect(refused.status).toBe(429);
      expectErrorEnvelope(refused.body, 429, 'too_many_requests');
      expect(refused.body.error_message).toMatch(/the server is receiving 3 uploads/i);

      stalledA[0].abort();
      await eventually(async () => (await uploadFile(c, 'c.com')).status === 202, { what: 'a slot freed', intervalMs: 10 });
    } finally {
      for (const upload of [...stalledA, ...stalledB]) upload.abort();
    }
  });
});

describe('idle uploads', () => {
  const IDLE_MS = 1000;
  // One slot per project: a later upload that goes through shows the idle one gave its slot back.
  const ctx = useTestApp({ ROSTER_UPLOAD_IDLE_MS: String(IDLE_MS), ROSTER_UPLOADS_PER_PROJECT: '1' });
  const { stagingExists, projectWithOrganization, uploadFile } = helpers(ctx);

  it('fails an upload that stops sending mid-file with 408 upload_timeout, marks its job failed and drops its staging', async () => {
    const a = await projectWithOrganization(ctx.app.project);
    const upload = openUpload(ctx.app, a.project, a.organizationId);
    upload.send(HEADER + rows('idle.com', 3));

    const answer = await upload.answer;
    expect(answer.status).toBe(408);
    expectErrorEnvelope(answer.body, 408, 'upload_timeout');
    expect(answer.body.error_message).toContain(`${IDLE_MS} ms`);
    const job = await getJob(ctx.app, answer.body.error_details?.job_id);
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({ error_type: 'upload_timeout', error_message: expect.stringContaining(`${IDLE_MS} ms`) });
    expect(await stagingExists(answer.body.error_details?.job_id)).toBe(false);
    upload.abort();

    expect((await uploadFile(a, 'after-idle.com')).status).toBe(202);
  });

  it('fails an upload that never sends a byte of its body with 408, without a job', async () => {
    const a = await projectWithOrganization();
    const upload = openUpload(ctx.app, a.project, a.organizationId);

    const answer = await upload.answer;
    expect(answer.status).toBe(408);
    expectErrorEnvelope(answer.body, 408, 'upload_timeout');
    expect(answer.body.error_details?.job_id).toBeUndefined();
    upload.abort();

    expect((await uploadFile(a, 'after-silence.com')).status).toBe(202);
  });

  it('keeps an upload that is slow but never silent for the idle time', async () => {
    const a = await projectWithOrganization();
    const upload = openUpload(ctx.app, a.project, a.organizationId);
    upload.send(HEADER);
    // Twenty rows a tenth of the idle time apart: twice the idle time in all.
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 10));
      upload.send(`slow${i}@slow.com\r\n`);
    }
    upload.finish();

    const answer = await upload.answer;
    expect(answer.status).toBe(202);
    expect(answer.body.job.progress.total_rows).toBe(20);
  });
});
