import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { AddressInfo, createServer, connect, Server, Socket } from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { parseId } from '../../src/ids';
import { bullPrefix } from '../../src/queues/connection';
import { startWorkers, Workers } from '../../workers';
import { startTestApp, TestApp } from '../helpers/app';
import { databaseUrl } from '../helpers/database';
import { eventuallyValue } from '../helpers/eventually';
import { createOrganization, unique } from '../helpers/factories';
import { TestSmtpServer } from '../helpers/smtp';

const ROOT = path.resolve(__dirname, '../..');

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of our own (no persistence), started and stopped by the test. */
class OwnRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.child = undefined;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

/**
 * A TCP proxy in front of the SMTP server. Connections made while `holding`
 * hear the server's greeting but never get their own bytes through: a
 * worker sending on one is stuck mid-job.
 */
class HoldingProxy {
  holding = true;
  heldBytes = 0;
  url = '';
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(private readonly targetPort: () => number) {
    this.server = createServer((client) => {
      const held = this.holding;
      const upstream = connect(this.targetPort(), '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      upstream.pipe(client);
      if (held) client.on('data', (chunk: Buffer) => (this.heldBytes += chunk.length));
      else client.pipe(upstream);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Invites a fresh address into a fresh organization; answers the address and the email row's id. */
async function inviteSomeone(app: TestApp): Promise<{ address: string; emailId: string; memberId: string }> {
  const organization = await createOrganization(app.project.client);
  const address = `${unique('invitee')}@acme.com`;
  const { member } = await app.project.client.magicLinks.email.invite({
    organization_id: organization.organization_id,
    email_address: address,
  });
  const row = await app.container
    .knex('emails')
    .where({ member_id: parseId('member', 'test', member.member_id)! })
    .first();
  return { address, emailId: row.id, memberId: member.member_id };
}

const outboxFor = (app: TestApp, emailIds: string[]) =>
  app.container
    .knex('outbox')
    .select('id', 'job_name', 'payload', 'queue_job_id')
    .whereIn(
      'queue_job_id',
      emailIds.map((id) => `email.${id}`),
    )
    .orderBy('id');
/** The email's BullMQ job and its state, if the queue has it. */
async function jobOf(app: TestApp, emailId: string): Promise<{ state: string } | undefined> {
  const queue = new Queue('emails', { connection: app.container.redis, prefix: bullPrefix(app.container.config.queuePrefix) });
  try {
    const job = await queue.getJob(`email.${emailId}`);
    return job ? { state: await job.getState() } : undefined;
  } finally {
    await queue.close();
  }
}
const emailStatus = async (app: TestApp, emailId: string): Promise<{ status: string; attempts: number }> =>
  app.container.knex('emails').select('status', 'attempts').where({ id: emailId }).first();

describe('invites accepted while Redis is down', () => {
  const smtp = new TestSmtpServer();
  let redis: OwnRedis;
  let app: TestApp;
  let workers: Workers;
  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    app = await startTestApp({ REDIS_URL: redis.url, SMTP_URL: await smtp.start() });
    workers = startWorkers(app.container);
  });
  // Every queue's worker (one more since the sms queue) reconnects to the restarted Redis before it can close:
  // under a loaded CI machine that took longer than jest's default hook timeout.
  afterAll(async () => {
    await redis.start();
    await workers?.close();
    await app?.close();
    await redis.stop();
    await smtp.stop();
  }, 120_000);

  /** Restarts our Redis and waits until the app's fast-failing connection is ready on it again. */
  async function redisBack(): Promise<void> {
    await redis.start();
    await eventuallyValue(
      async () => app.container.redis.status,
      (status) => status === 'ready',
      { what: 'the app reconnecting to Redis', timeoutMs: 20_000, intervalMs: 25 },
    );
  }

  it('answers 200, keeps the outbox entry while Redis is down, and delivers the email once Redis is back', async () => {
    await redis.stop();

    const { address, emailId } = await inviteSomeone(app);
    // The commit poked the relay: wait for that pass (which cannot reach Redis) to end.
    await app.container.relay.stop();

    expect(await outboxFor(app, [emailId])).toHaveLength(1);
    expect(await emailStatus(app, emailId)).toMatchObject({ status: 'queued', attempts: 0 });

    await redisBack();
    app.container.relay.start();
    try {
      const email = await smtp.messageTo(address, 30_000);
      await eventuallyValue(
        () => emailStatus(app, emailId),
        (row) => row.status === 'sent',
        { what: 'the email row', timeoutMs: 20_000, intervalMs: 25 },
      );
      // The entry leaves the outbox once a relay pass has enqueued it; a repeated enqueue must not send again.
      await eventuallyValue(
        () => outboxFor(app, [emailId]),
        (rows) => rows.length === 0,
        { what: 'the outbox entry', timeoutMs: 20_000, intervalMs: 25 },
      );
      await eventuallyValue(
        async () => (await jobOf(app, emailId))?.state,
        (state) => state === 'completed',
        { what: 'the queued job', timeoutMs: 20_000, intervalMs: 25 },
      );
      expect(smtp.messages.filter((m) => m.to.includes(address))).toHaveLength(1);
      expect((await app.project.client.magicLinks.authenticate({ magic_links_token: email.token })).member.email_address).toBe(address);
    } finally {
      await app.container.relay.stop();
    }
  });

  it('never drops an outbox entry when enqueueing fails; entries leave only once enqueued', async () => {
    await redis.stop();
    const invites = [await inviteSomeone(app), await inviteSomeone(app), await inviteSomeone(app)];
    const emailIds = invites.map((i) => i.emailId);
    await app.container.relay.stop();
    const before = await outboxFor(app, emailIds);
    expect(before).toHaveLength(3);

    await expect(app.container.relay.drain()).rejects.toThrow();

    expect(await outboxFor(app, emailIds)).toEqual(before);
    await redisBack();
    expect(await app.container.relay.drain()).toBeGreaterThanOrEqual(3);
    expect(await outboxFor(app, emailIds)).toHaveLength(0);
    for (const id of emailIds) expect(await jobOf(app, id)).toBeDefined();
    for (const { address } of invites) await smtp.messageTo(address, 20_000);
  });
});

describe('a worker killed mid-job', () => {
  const smtp = new TestSmtpServer();
  const proxy = new HoldingProxy(() => Number(new URL(smtp.url).port));
  const children: ChildProcess[] = [];
  let app: TestApp;
  beforeAll(async () => {
    await smtp.start();
    await proxy.start();
    app = await startTestApp({ ROSTER_JOB_LOCK_MS: '2000' });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  });
  afterAll(async () => {
    await app?.close();
    await proxy.stop();
    await smtp.stop();
  });

  /** The compiled worker (needs `npm run build`) on this app's database and queues, sending through the proxy. */
  function spawnWorker(): ChildProcess {
    const child = spawn(process.execPath, ['dist/src/main.js', 'worker'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: databaseUrl(app.databaseName),
        REDIS_URL: app.container.config.redisUrl,
        ROSTER_QUEUE_PREFIX: app.container.config.queuePrefix,
        ROSTER_JOB_LOCK_MS: '2000',
        WORKER_QUEUES: 'emails',
        SMTP_URL: proxy.url,
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  }

  it('hands the job to another worker, which delivers the email exactly once', async () => {
    proxy.holding = true;
    const { address, emailId, memberId } = await inviteSomeone(app);
    const jobState = async () => (await jobOf(app, emailId))?.state;
    const first = spawnWorker();

    // Mid-job: the attempt is recorded, the job is active, and the worker is talking to the (held) SMTP server.
    await eventuallyValue(
      async () => ({ row: await emailStatus(app, emailId), state: await jobState(), held: proxy.heldBytes }),
      ({ row, state, held }) => row.attempts >= 1 && state === 'active' && held > 0,
      { what: 'the first worker to be mid-send', timeoutMs: 20_000, intervalMs: 25 },
    );
    first.kill('SIGKILL');
    await once(first, 'exit');
    proxy.holding = false;
    expect(await emailStatus(app, emailId)).toMatchObject({ status: 'queued' });
    expect(smtp.messages.filter((m) => m.to.includes(address))).toHaveLength(0);

    spawnWorker();
    const email = await smtp.messageTo(address, 30_000);
    await eventuallyValue(jobState, (state) => state === 'completed', { what: 'the job to complete', timeoutMs: 30_000, intervalMs: 25 });

    expect(smtp.messages.filter((m) => m.to.includes(address))).toHaveLength(1);
    expect(await emailStatus(app, emailId)).toMatchObject({ status: 'sent', attempts: 2 });
    const auth = await app.project.client.magicLinks.authenticate({ magic_links_token: email.token });
    expect(auth.member_id).toBe(memberId);
  }, 90_000);
});
