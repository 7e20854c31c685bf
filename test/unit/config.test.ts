import { ConfigError, loadConfig } from '../../src/config';

const PROJECT_ID = 'project-test-0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const SECRET = 'a'.repeat(32);

/** The ConfigError loadConfig throws for this env (fails the test if it returns). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/roster',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'roster',
      publicUrl: 'http://localhost:3000',
      serverUrl: 'http://localhost:3000',
      smtpUrl: undefined,
      mailFrom: 'Roster <no-reply@localhost>',
      bootstrapProject: undefined,
      logLevel: 'info',
      workerQueues: undefined,
      jobLockMs: 30_000,
      migrationChunkRows: 50_000,
      inviteRatePerSecond: 50,
      emailRetryMs: 15_000,
      database: {
        poolMax: 10,
        acquireTimeoutMs: 10_000,
        statementTimeoutMs: 60_000,
        lockTimeoutMs: 10_000,
        idleInTransactionTimeoutMs: 60_000,
        guardNested: false,
      },
      credentialCacheMs: 5_000,
      uploads: { perProject: 2, total: 8, idleMs: 30_000 },
      docsUrl: 'http://localhost:3000',
      checkResponses: false,
      webProcesses: 1,
      shutdownGraceMs: 25_000,
      ssoAllowInsecureLoopback: false,
      eventsRetentionDays: 90,
      webhooks: {
        allowPrivateAddresses: false,
        timeoutMs: 15_000,
        retryScheduleMs: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      },
    });
  });

  it('checks responses against their contracts only when ROSTER_CHECK_RESPONSES is on', () => {
    expect(loadConfig({ ROSTER_CHECK_RESPONSES: 'true' }).checkResponses).toBe(true);
    expect(loadConfig({ ROSTER_CHECK_RESPONSES: '0' }).checkResponses).toBe(false);
  });

  it('takes the docs URL for error links from ROSTER_DOCS_URL, without a trailing slash, and refuses one that is not http(s)', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://id.example.com/' }).docsUrl).toBe('https://id.example.com');
    expect(loadConfig({ ROSTER_DOCS_URL: 'https://docs.example.com/roster/' }).docsUrl).toBe('https://docs.example.com/roster');
    expect(() => loadConfig({ ROSTER_DOCS_URL: 'ftp://docs.example.com' })).toThrow(/ROSTER_DOCS_URL/);
  });

  it.each([
    ['ROSTER_JOB_LOCK_MS', '999'],
    ['ROSTER_JOB_LOCK_MS', 'soon'],
    ['ROSTER_MIGRATION_CHUNK_ROWS', '0'],
    ['ROSTER_MIGRATION_CHUNK_ROWS', '1.5'],
    ['DATABASE_POOL_MAX', '1'],
    ['DATABASE_ACQUIRE_TIMEOUT_MS', '10'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '-1'],
    ['ROSTER_CREDENTIAL_CACHE_MS', 'forever'],
    ['ROSTER_UPLOADS_TOTAL', '0'],
    ['DATABASE_GUARD_NESTED', 'maybe'],
    ['WEB_CONCURRENCY', '0'],
    ['ROSTER_CHECK_RESPONSES', 'sometimes'],
    ['SHUTDOWN_GRACE_MS', '999'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('reads the pool size and the database timeouts, where 0 turns a timeout off', () => {
    const config = loadConfig({
      DATABASE_POOL_MAX: '4',
      DATABASE_STATEMENT_TIMEOUT_MS: '0',
      DATABASE_LOCK_TIMEOUT_MS: '250',
      ROSTER_CREDENTIAL_CACHE_MS: '0',
    });
    expect(config.database).toMatchObject({ poolMax: 4, statementTimeoutMs: 0, lockTimeoutMs: 250 });
    expect(config.credentialCacheMs).toBe(0);
  });

  it('refuses more uploads per project than in total', () => {
    expect(() => loadConfig({ ROSTER_UPLOADS_PER_PROJECT: '5', ROSTER_UPLOADS_TOTAL: '4' })).toThrow(/ROSTER_UPLOADS_PER_PROJECT/);
  });

  it('reads the shutdown grace period', () => {
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '8000' }).shutdownGraceMs).toBe(8000);
  });

  it('allows plain-http loopback SSO IdPs only when asked', () => {
    expect(loadConfig({ SSO_ALLOW_INSECURE_LOOPBACK: 'true' }).ssoAllowInsecureLoopback).toBe(true);
    expect(() => loadConfig({ SSO_ALLOW_INSECURE_LOOPBACK: 'maybe' })).toThrow(/SSO_ALLOW_INSECURE_LOOPBACK must be true or false/);
  });

  it('reads the job lock and the migration chunk size', () => {
    const config = loadConfig({ ROSTER_JOB_LOCK_MS: '5000', ROSTER_MIGRATION_CHUNK_ROWS: '100' });
    expect([config.jobLockMs, config.migrationChunkRows]).toEqual([5000, 100]);
  });

  it('reads explicit settings, trimming spaces and a trailing slash on PUBLIC_URL', () => {
    const config = loadConfig({
      PORT: ' 8080 ',
      DATABASE_URL: 'postgresql://u:p@db:5432/roster_prod',
      REDIS_URL: 'rediss://cache:6380',
      ROSTER_QUEUE_PREFIX: 'prod_1',
      PUBLIC_URL: 'https://roster.example.com/',
      SMTP_URL: 'smtp://mail:25',
      MAIL_FROM: 'Team <team@example.com>',
      LOG_LEVEL: 'debug',
      WORKER_QUEUES: 'maintenance, ,other',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://u:p@db:5432/roster_prod',
      redisUrl: 'rediss://cache:6380',
      queuePrefix: 'prod_1',
      publicUrl: 'https://roster.example.com',
      smtpUrl: 'smtp://mail:25',
      mailFrom: 'Team <team@example.com>',
      logLevel: 'debug',
      workerQueues: ['maintenance', 'other'],
    });
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PORT: '  ', LOG_LEVEL: '' })).toMatchObject({ port: 3000, logLevel: 'info' });
  });

  it('builds the bootstrap project from ROSTER_PROJECT_ID, ROSTER_PROJECT_SECRET and ROSTER_REDIRECT_URLS', () => {
    const config = loadConfig({
      ROSTER_PROJECT_ID: PROJECT_ID,
      ROSTER_PROJECT_SECRET: SECRET,
      ROSTER_REDIRECT_URLS: 'https://app.example.com/cb, http://localhost:5173/cb',
    });
    expect(config.bootstrapProject).toEqual({
      projectId: PROJECT_ID,
      secret: SECRET,
      redirectUrls: ['https://app.example.com/cb', 'http://localhost:5173/cb'],
    });
  });

  it('reads the webhook retry schedule as durations', () => {
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '0,200ms,1s,2m,1h' }).webhooks.retryScheduleMs).toEqual([0, 200, 1000, 120_000, 3600_000]);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });

  it.each<[string, string, Record<string, string>]>([
    ['a non-numeric PORT', 'PORT', { PORT: 'abc' }],
    ['a PORT above 65535', 'PORT', { PORT: '70000' }],
    ['a negative PORT', 'PORT', { PORT: '-1' }],
    ['a DATABASE_URL that is not postgres', 'DATABASE_URL', { DATABASE_URL: 'mysql://db/roster' }],
    ['a DATABASE_URL naming no database', 'DATABASE_URL', { DATABASE_URL: 'postgres://db:5432' }],
    ['a DATABASE_URL that is not a URL', 'DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['a REDIS_URL that is not redis', 'REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
    ['a ROSTER_QUEUE_PREFIX with spaces', 'ROSTER_QUEUE_PREFIX', { ROSTER_QUEUE_PREFIX: 'my queue' }],
    ['a ROSTER_QUEUE_PREFIX longer than 64', 'ROSTER_QUEUE_PREFIX', { ROSTER_QUEUE_PREFIX: 'q'.repeat(65) }],
    ['a PUBLIC_URL that is not http(s)', 'PUBLIC_URL', { PUBLIC_URL: 'ftp://roster.example.com' }],
    ['an SMTP_URL that is not smtp', 'SMTP_URL', { SMTP_URL: 'http://mail:25' }],
    ['a LOG_LEVEL that does not exist', 'LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['a WEBHOOK_RETRY_SCHEDULE with a bad duration', 'WEBHOOK_RETRY_SCHEDULE', { WEBHOOK_RETRY_SCHEDULE: '0,5s,soon' }],
    ['ROSTER_PROJECT_ID without a secret', 'ROSTER_PROJECT_SECRET', { ROSTER_PROJECT_ID: PROJECT_ID }],
    ['ROSTER_PROJECT_SECRET without an id', 'ROSTER_PROJECT_ID', { ROSTER_PROJECT_SECRET: SECRET }],
    ['a malformed ROSTER_PROJECT_ID', 'ROSTER_PROJECT_ID', { ROSTER_PROJECT_ID: 'project-prod-123', ROSTER_PROJECT_SECRET: SECRET }],
    ['a ROSTER_PROJECT_SECRET shorter than 32', 'ROSTER_PROJECT_SECRET', { ROSTER_PROJECT_ID: PROJECT_ID, ROSTER_PROJECT_SECRET: 'short' }],
    [
      'an invalid URL in ROSTER_REDIRECT_URLS',
      'ROSTER_REDIRECT_URLS',
      { ROSTER_PROJECT_ID: PROJECT_ID, ROSTER_PROJECT_SECRET: SECRET, ROSTER_REDIRECT_URLS: 'https://ok.example.com,javascript:alert(1)' },
    ],
    ['ROSTER_REDIRECT_URLS without a project', 'ROSTER_REDIRECT_URLS', { ROSTER_REDIRECT_URLS: 'https://app.example.com/cb' }],
  ])('refuses %s with one problem naming %s', (_case, variable, env) => {
    const error = configError(env);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(variable);
    expect(error.message).toContain(variable);
  });

  it('reports several bad values together, each naming its variable', () => {
    const error = configError({ PORT: 'abc', REDIS_URL: 'nope', LOG_LEVEL: 'loud', PUBLIC_URL: 'https://roster.example.com' });
    expect(error.problems).toHaveLength(3);
    for (const variable of ['PORT', 'REDIS_URL', 'LOG_LEVEL']) {
      expect(error.problems.some((p) => p.startsWith(variable))).toBe(true);
    }
  });

  it('never reads process.env when given an explicit env', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});
