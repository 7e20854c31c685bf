/**
 * npm run bench:invites -- [--invites 10000]
 *
 * In one run, against one local SMTP sink:
 *  (a) raw pooled nodemailer sends of the invite email, as fast as the pool goes;
 *  (b) a bulk invite of that many people through Roster: the API call, the
 *      invite job (unthrottled), the outbox relay and the email workers,
 *      until the sink has received every email.
 * Prints both rates and their ratio. Gates nothing.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { createContainer } from '../src/container';
import { migrateToLatest } from '../src/db/database';
import { freshDatabase } from './fresh-database';
import { logger } from '../src/logger';
import { magicLink, renderEmail } from '../src/services/email/templates';
import { startWorkers } from '../workers';

const { values } = parseArgs({
  options: { invites: { type: 'string', default: '10000' }, database: { type: 'string', default: 'roster_bench_invites' } },
});
const N = Number(values.invites);

/** An SMTP sink that counts what it accepts and says when it has seen `target` messages. */
function sink() {
  let received = 0;
  let target = Infinity;
  let reached: () => void = () => undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        if (++received >= target) reached();
        callback();
      });
    },
  });
  return {
    server,
    expect(count: number): Promise<void> {
      received = 0;
      target = count;
      return new Promise((resolve) => (reached = resolve));
    },
  };
}

async function main(): Promise<void> {
  logger.level = 'warn';
  const smtp = sink();
  smtp.server.listen(0, '127.0.0.1');
  await once(smtp.server.server, 'listening');
  const smtpUrl = `smtp://127.0.0.1:${(smtp.server.server.address() as AddressInfo).port}`;

  // (a) raw pooled nodemailer.
  const transport = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 5, maxMessages: 1000 } as never);
  const link = magicLink('https://app.example.com/authenticate', 'x'.repeat(43));
  const content = renderEmail('invite', 'Acme', link, 10_080);
  let done = smtp.expect(N);
  let started = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) => transport.sendMail({ from: 'Roster <no-reply@localhost>', to: `raw${i}@acme.com`, ...content })),
  );
  await done;
  const rawSeconds = (performance.now() - started) / 1000;
  transport.close();

  // (b) Roster: bulk invite → job → outbox → email workers → SMTP.
  const base = loadConfig();
  const databaseUrl = await freshDatabase(base.databaseUrl, values.database!);
  const config = { ...base, databaseUrl, smtpUrl, queuePrefix: `bench-${Date.now()}`, inviteRatePerSecond: 0 };
  const container = createContainer(config);
  await migrateToLatest(container.knex);
  const { projectId, secret } = await container.projects.create('bench', 'test', ['https://app.example.com/authenticate']);
  const project = await container.projects.authenticate(projectId, secret);
  await container.organizations.create(project, { organization_name: 'Acme', organization_slug: 'acme' });
  const server = createApp(container).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const workers = startWorkers(container);
  container.relay.start();

  done = smtp.expect(N);
  started = performance.now();
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/b2b/organizations/acme/invites`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ invitees: Array.from({ length: N }, (_, i) => ({ email_address: `user${i}@acme.com` })) }),
  });
  if (response.status !== 202) throw new Error(`bulk invite refused: ${await response.text()}`);
  await done;
  const queueSeconds = (performance.now() - started) / 1000;

  const rawRate = N / rawSeconds;
  const queueRate = N / queueSeconds;
  console.log(`(a) raw pooled nodemailer: ${N} emails in ${rawSeconds.toFixed(2)} s, ${Math.round(rawRate)} emails/s`);
  console.log(
    `(b) Roster bulk invite → job → outbox → workers → SMTP: ${N} invites in ${queueSeconds.toFixed(2)} s, ${Math.round(queueRate)} invites/s`,
  );
  console.log(`ratio (b)/(a): ${((queueRate / rawRate) * 100).toFixed(0)}% of the raw send rate`);

  await workers.close();
  server.close();
  await container.close();
  smtp.server.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
