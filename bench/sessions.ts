/**
 * npm run bench:sessions -- [--connections 16] [--duration 10] [--sessions 1000]
 *                            [--only b,c,d,e,f] [--cpu-prof DIR]
 *
 * In one run, at the same concurrency, against one fresh database:
 *  (a) the raw baseline: a plain node:http process doing one primary-key
 *      lookup and one RS256 signature per request (bench/sessions-baseline.ts);
 *  (a′) the raw baseline of an exchange, in the same process: the same lookup,
 *      one autocommitted INSERT of a session row, one RS256 signature;
 *  (b) Roster's `sessions.authenticate` by opaque session token;
 *  (c) Roster's `sessions.authenticate` by session JWT;
 *  (d) a burst of 40 simultaneous `magic_links.authenticate` with distinct links;
 *  (e) `sessions.exchange`: a session of one organization exchanged for one in
 *      another organization where the same address is a member who entered
 *      it once before (one process);
 *  (f) `discovery.intermediate_sessions.exchange`: a discovery intermediate
 *      session (one email factor) entering that organization, each token once
 *      (--exchanges of them after 3,000 to warm up, timed to the last answer;
 *      one process).
 * Roster runs as its own `web` role, as in production: once as one process,
 * once with WEB_CONCURRENCY=2 (one process per core of this machine). Prints
 * req/s, p50 and p99 latency and the ratios to (a); the exchanges (e, f),
 * which must write and commit a session where (a) only reads, also to (a′).
 * --only measures some of (b)–(f) (the baselines always run: the ratios need
 * them); --cpu-prof writes a V8 CPU profile of each `web` process to DIR.
 * Gates nothing.
 */
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config';
import { createContainer } from '../src/container';
import { migrateToLatest } from '../src/db/database';
import { logger } from '../src/logger';
import { formatId } from '../src/ids';
import { MemberModel } from '../src/models/member.model';
import { startWorkers } from '../workers';
import { freshDatabase } from './fresh-database';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    sessions: { type: 'string', default: '1000' },
    database: { type: 'string', default: 'roster_bench_sessions' },
    exchanges: { type: 'string', default: '16000' },
    only: { type: 'string', default: 'b,c,d,e,f' },
    'cpu-prof': { type: 'string' },
  },
});
const ONLY = new Set(values.only!.split(','));
const CONNECTIONS = Number(values.connections);
const DURATION = Number(values.duration);
const SESSIONS = Number(values.sessions);
const BURST = 40;
const EXCHANGES = Number(values.exchanges);
const REDIRECT = 'https://app.example.com/authenticate';

/** An SMTP sink that keeps the magic-link token of every email it accepts. */
async function tokenSink(): Promise<{ url: string; tokens: Map<string, string>; close(): void }> {
  const tokens = new Map<string, string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        const token = /token=([A-Za-z0-9_-]+)/.exec(raw.replace(/=\r?\n/g, '').replace(/=3D/g, '='))?.[1];
        if (token) tokens.set(session.envelope.rcptTo[0].address, token);
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, tokens, close: () => server.close() };
}

async function until(check: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a compiled script as a child process on `port`; resolves once it listens. */
async function startChild(
  script: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  execArgv: string[] = [],
): Promise<ChildProcess> {
  const child = fork(join(__dirname, script), args, {
    env: { ...process.env, ...env, PORT: String(port) },
    execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      return child;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${script} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(name: string, url: string, headers: Record<string, string>, bodies: string[]): Promise<Measured> {
  let next = 0;
  const options: autocannon.Options = {
    url,
    method: 'POST',
    connections: CONNECTIONS,
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
  };
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, pools, caches
  const result = await autocannon({ ...options, duration: DURATION });
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + result.errors };
}

/**
 * Each body sent once (single-use tokens): a warm-up set, then the measured
 * set. Its rate is the count over the time from the start to the last
 * response: autocannon ends a fixed amount on its once-a-second tick, and its
 * own average knows whole seconds only.
 */
async function loadEach(name: string, url: string, headers: Record<string, string>, warmUp: string[], bodies: string[]): Promise<Measured> {
  const run = (list: string[]) =>
    new Promise<{ result: autocannon.Result; seconds: number }>((resolve, reject) => {
      let next = 0;
      let last = 0;
      const started = performance.now();
      const instance = autocannon(
        {
          url,
          method: 'POST',
          connections: CONNECTIONS,
          headers: { 'content-type': 'application/json', ...headers },
          amount: list.length,
          requests: [{ setupRequest: (request) => ({ ...request, body: list[next++] }) }],
        },
        (err, result) => (err ? reject(err) : resolve({ result, seconds: (last - started) / 1000 })),
      );
      instance.on('response', () => (last = performance.now()));
    });
  await run(warmUp);
  const { result, seconds } = await run(bodies);
  return {
    name,
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

async function main(): Promise<void> {
  logger.level = 'warn';
  const base = loadConfig();
  const databaseUrl = await freshDatabase(base.databaseUrl, values.database!);
  const smtp = await tokenSink();
  // The JWTs made here must verify in the `web` process: same issuer.
  const publicUrl = 'http://127.0.0.1:3902';
  const container = createContainer({ ...base, databaseUrl, publicUrl, smtpUrl: smtp.url, queuePrefix: `bench-sessions-${Date.now()}` });
  await migrateToLatest(container.knex);

  // Set-up through Roster's own services: a project, an organization, members with live sessions.
  const { projectId, secret } = await container.projects.create('bench', 'test', [REDIRECT]);
  const project = await container.projects.authenticate(projectId, secret);
  const organization = await container.organizations.create(project, { organization_name: 'Acme', organization_slug: 'acme' });
  for (let i = 0; i < SESSIONS + BURST; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, SESSIONS + BURST - i) }, (_, j) =>
        container.members.create(project, 'acme', { email_address: `user${i + j}@acme.com` }),
      ),
    );
  }
  const members = await MemberModel.query(container.knex).where({ organization_id: organization.id }).orderBy('email');
  const factor = { type: 'magic_link', delivery_method: 'email', last_authenticated_at: new Date().toISOString() };
  const sessions = await Promise.all(
    members
      .slice(0, SESSIONS)
      .map(async (member) =>
        container.sessions.issue(project, await container.sessions.start(container.knex, project, member, organization, [factor])),
      ),
  );

  // (e), (f): the same people are members of a second organization, which they enter by exchange.
  const beta = await container.organizations.create(project, { organization_name: 'Beta', organization_slug: 'beta' });
  for (let i = 0; i < SESSIONS; i += 100) {
    await Promise.all(members.slice(i, i + 100).map((m) => container.members.create(project, 'beta', { email_address: m.email })));
  }
  const betaId = formatId('organization', project.env, beta.id);
  // Each has entered Beta once before, as people who switch do: a first entry verifies the
  // address (a rarer path, with its own writes and events); (e) and (f) measure the entries after.
  for (let i = 0; i < SESSIONS; i += 100) {
    await Promise.all(
      sessions
        .slice(i, i + 100)
        .map((s) => container.organizationExchange.exchangeSession(project, { organization_id: betaId, session_token: s.token })),
    );
  }
  // Discovery intermediate sessions, each redeemed once: a warm-up set, then the measured set.
  // About as long as the other lines' warm-up (2 s) and measurement (10 s) at this machine's rate.
  const warmUpExchanges = Math.min(3000, EXCHANGES);
  const discoveryTokens: string[] = [];
  for (let i = 0; ONLY.has('f') && i < warmUpExchanges + EXCHANGES; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, warmUpExchanges + EXCHANGES - i) }, (_, j) => {
        const email = members[(i + j) % SESSIONS].email;
        const proved = { ...factor, email_factor: { email_id: '', email_address: email } };
        return container.intermediateSessions.start(container.knex, project, { email }, [proved]);
      }),
    );
    discoveryTokens.push(...batch.map((b) => b.token));
  }

  // Login links for the burst, sent through the real outbox, workers and SMTP.
  const workers = startWorkers(container);
  container.relay.start();
  const burst = ONLY.has('d') ? members.slice(SESSIONS) : [];
  await Promise.all(burst.map((m) => container.magicLinks.loginOrSignup(project, { organization_id: 'acme', email_address: m.email })));
  await until(() => burst.every((m) => smtp.tokens.has(m.email)), 'the burst login links');
  await container.relay.drain(); // the first entries' events: relayed now, not during a measurement
  await workers.close();
  await container.close();
  smtp.close();

  const env = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', ROSTER_QUEUE_PREFIX: `bench-sessions-${Date.now()}` };
  const baseline = await startChild('sessions-baseline.js', [], env, 3901);
  const burstTokens = burst.map((m) => smtp.tokens.get(m.email)!);
  try {
    const auth = { authorization: `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}` };
    const rosterUrl = 'http://127.0.0.1:3902/v1/b2b/sessions/authenticate';
    const floor = await load(
      '(a) baseline: node:http + PK lookup + RS256',
      'http://127.0.0.1:3901/',
      {},
      sessions.map((s) => JSON.stringify({ session_id: s.session.id })),
    );
    const writeFloor = await load(
      '(a′) baseline: + INSERT session (autocommit)',
      'http://127.0.0.1:3901/write',
      {},
      sessions.map((s) => JSON.stringify({ session_id: s.session.id })),
    );
    const results = [floor, writeFloor];
    const writing = new Set<Measured>();
    let burst: { ok: number; ms: number } | undefined;
    // Two processes serve (b) and (c) only.
    for (const processes of ONLY.has('b') || ONLY.has('c') ? [1, 2] : [1]) {
      const roster = await startChild(
        '../src/main.js',
        ['web'],
        { ...env, PUBLIC_URL: publicUrl, WEB_CONCURRENCY: String(processes) },
        3902,
        values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [],
      );
      try {
        // (d) first, on a cold server: forty people clicking their links at once.
        if (!burst && ONLY.has('d')) burst = await loginBurst(auth, burstTokens);
        const tag = processes === 1 ? 'one web process' : `WEB_CONCURRENCY=${processes}`;
        if (ONLY.has('b')) {
          const bodies = sessions.map((s) => JSON.stringify({ session_token: s.token }));
          results.push(await load(`(b) by session_token, ${tag}`, rosterUrl, auth, bodies));
        }
        if (ONLY.has('c')) {
          const bodies = sessions.map((s) => JSON.stringify({ session_jwt: s.jwt }));
          results.push(await load(`(c) by session_jwt, ${tag}`, rosterUrl, auth, bodies));
        }
        if (processes === 1 && ONLY.has('e')) {
          const exchanged = await load(
            '(e) sessions.exchange, one web process',
            'http://127.0.0.1:3902/v1/b2b/sessions/exchange',
            auth,
            sessions.map((s) => JSON.stringify({ organization_id: betaId, session_token: s.token })),
          );
          results.push(exchanged);
          writing.add(exchanged);
        }
        if (processes === 1 && ONLY.has('f')) {
          const bodies = discoveryTokens.map((t) => JSON.stringify({ intermediate_session_token: t, organization_id: betaId }));
          const entered = await loadEach(
            `(f) discovery IST exchange ×${EXCHANGES}, one process`,
            'http://127.0.0.1:3902/v1/b2b/discovery/intermediate_sessions/exchange',
            auth,
            bodies.slice(0, warmUpExchanges),
            bodies.slice(warmUpExchanges),
          );
          results.push(entered);
          writing.add(entered);
        }
      } finally {
        roster.kill('SIGTERM');
        await once(roster, 'exit');
      }
    }
    console.log(
      `bench:sessions — ${CONNECTIONS} connections, ${DURATION} s each, ${SESSIONS} sessions: sessions.authenticate (b, c), exchanges (e, f)`,
    );
    const against = (r: Measured, base: Measured, name: string) =>
      `${(r.rps / base.rps).toFixed(2)}× ${name} req/s, p99 ${(r.p99 / base.p99).toFixed(2)}× ${name} p99`;
    for (const r of results) {
      let ratio = r === floor || r === writeFloor ? '' : `  → ${against(r, floor, '(a)')}`;
      if (writing.has(r)) ratio += `; ${against(r, writeFloor, '(a′)')}`;
      console.log(
        `${r.name.padEnd(46)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  non-2xx ${r.non2xx}${ratio}`,
      );
    }
    if (burst)
      console.log(
        `(d) ${BURST} simultaneous magic_links.authenticate (distinct links): ${burst!.ok}/${BURST} answered 200, all within ${burst!.ms.toFixed(0)} ms`,
      );
  } finally {
    baseline.kill('SIGTERM');
  }
}

/** Forty people clicking their login links at the same moment. */
async function loginBurst(auth: Record<string, string>, tokens: string[]): Promise<{ ok: number; ms: number }> {
  const started = performance.now();
  const statuses = await Promise.all(
    tokens.map(async (magic_links_token) => {
      const res = await fetch('http://127.0.0.1:3902/v1/b2b/magic_links/authenticate', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ magic_links_token }),
      });
      return res.status;
    }),
  );
  return { ok: statuses.filter((s) => s === 200).length, ms: performance.now() - started };
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
