/**
 * The only reader of process.env. Every runtime setting is read, validated and
 * frozen here at boot; a bad value stops the process with the full list of
 * problems, each naming its variable.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: readable when stdout is a terminal, JSON lines otherwise. */
const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Config {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  publicUrl: string;
  /** The Roster server the CLI's client commands talk to. */
  serverUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Where SMS passcodes are POSTed as JSON; unset = dev outbox (texts stored in Postgres, codes included, and logged). */
  smsWebhookUrl: string | undefined;
  /** When set, each SMS webhook request is signed with HMAC-SHA256 (the X-Roster-Signature header). */
  smsWebhookSecret: string | undefined;
  bootstrapProject: { projectId: string; secret: string; redirectUrls: string[] } | undefined;
  logLevel: LogLevel;
  /** When set, GET /metrics takes `Authorization: Bearer <token>`; unset, it is open (keep it off the public network). */
  metricsToken: string | undefined;
  /** When set, the `worker` and `scheduler` roles serve GET /metrics on this port (they serve no API); `web` and `all` ignore it. */
  metricsPort: number | undefined;
  workerQueues: string[] | undefined;
  /** How long a worker holds a job before BullMQ deems it stalled and hands it to another worker. */
  jobLockMs: number;
  /** Input lines per chunk of a member migration: one queue job, applied in slices of about a second (one transaction each). */
  migrationChunkRows: number;
  /** Invites a bulk-invite job sends per second (0: as fast as they can be queued). */
  inviteRatePerSecond: number;
  /** First retry delay of an email the SMTP server deferred; doubles each attempt (ten attempts, hours in all). */
  emailRetryMs: number;
  database: DatabaseSettings;
  /** How long a project's verified credentials are trusted from memory; a changed or deleted secret takes effect within this. */
  credentialCacheMs: number;
  uploads: UploadLimits;
  /**
   * Base URL of Roster's docs: Roster-only error types link to `${docsUrl}/docs/errors.md#<type>`. By default the
   * server itself (PUBLIC_URL), which serves its error reference there; a deployment may point it at its own copy.
   */
  docsUrl: string;
  /** HTTP processes the `web` and `all` roles serve with (node:cluster, one shared port); 1 serves in-process. */
  webProcesses: number;
  /** Check every response against its contract and answer a mismatch with a 500 (tests); off in production. */
  checkResponses: boolean;
  /**
   * How long SIGTERM/SIGINT may take: HTTP requests and jobs in flight get this long to finish (jobs still running
   * then go back to their queues), pools are closed, and the process exits. Below the usual 30 s of Docker/Kubernetes.
   */
  shutdownGraceMs: number;
  /** Accept plain-http SSO IdP URLs (issuer, endpoints, metadata) on loopback hosts: local development and tests only. */
  ssoAllowInsecureLoopback: boolean;
  /** How many days events (the audit log) are kept; a scheduled job purges older ones with their deliveries. */
  eventsRetentionDays: number;
  webhooks: WebhookSettings;
}

export interface WebhookSettings {
  /** Deliver to private, loopback and link-local addresses (SSRF guard off): local development and tests only. */
  allowPrivateAddresses: boolean;
  /** How long one delivery attempt may take, connection to last byte. */
  timeoutMs: number;
  /** Delay before each attempt (Standard Webhooks' schedule by default); after the last one the delivery has failed. */
  retryScheduleMs: number[];
}

/** Pool size and the server-side timeouts every pooled connection gets. 0 turns a timeout off. */
export interface DatabaseSettings {
  poolMax: number;
  /** How long a caller waits for a pooled connection before failing (503) instead of stalling. */
  acquireTimeoutMs: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  /**
   * Refuse a pooled connection to code inside a transaction (see src/db/knex.ts). A check for the tests, as
   * checkResponses is: its async-context tracking costs every promise, about 7% of an exchange's throughput.
   */
  guardNested: boolean;
}

/** CSV uploads stream on connections of their own: these bound them, fairly between projects. */
export interface UploadLimits {
  perProject: number;
  total: number;
  /** An upload that sends no bytes for this long fails and frees its slot. */
  idleMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * LOG_FORMAT, for the logger alone: it is built when first imported, before
 * any configuration is loaded. An unknown value reads as `auto` here, and
 * loadConfig refuses it at boot like any other bad setting.
 */
export function logFormatSetting(env: Env = process.env): LogFormat {
  const value = env.LOG_FORMAT?.trim().toLowerCase() ?? '';
  return LOG_FORMATS.find((format) => format === value) ?? 'auto';
}

const PROJECT_ID = /^project-(test|live)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function parseUrl(value: string, protocols: string[]): URL | undefined {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  /** A TCP port setting; undefined when unset or invalid (the problem is recorded). */
  const portSetting = (name: string): number | undefined => {
    const text = get(name);
    if (text === undefined) return undefined;
    if (/^\d+$/.test(text) && Number(text) <= 65535) return Number(text);
    problems.push(`${name} must be an integer between 0 and 65535 (got "${text}")`);
    return undefined;
  };
  const port = portSetting('PORT') ?? 3000;

  const databaseUrl = get('DATABASE_URL') ?? 'postgres://postgres@127.0.0.1:5432/roster';
  const dbUrl = parseUrl(databaseUrl, ['postgres:', 'postgresql:']);
  if (!dbUrl || dbUrl.pathname.length <= 1) {
    problems.push(`DATABASE_URL must be a postgres:// URL naming a database (got "${databaseUrl}")`);
  }

  const redisUrl = get('REDIS_URL') ?? 'redis://127.0.0.1:6379';
  if (!parseUrl(redisUrl, ['redis:', 'rediss:'])) {
    problems.push(`REDIS_URL must be a redis:// or rediss:// URL (got "${redisUrl}")`);
  }

  const queuePrefix = get('ROSTER_QUEUE_PREFIX') ?? 'roster';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(queuePrefix)) {
    problems.push(`ROSTER_QUEUE_PREFIX must be 1-64 letters, digits, "_" or "-" (got "${queuePrefix}")`);
  }

  // A bad PORT is reported once, as PORT, not again through the default PUBLIC_URL.
  const publicUrl = (get('PUBLIC_URL') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  if (!parseUrl(publicUrl, ['http:', 'https:'])) {
    problems.push(`PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`);
  }

  // Checked only when set: the default is PUBLIC_URL, already checked above.
  const serverUrl = (get('ROSTER_URL') ?? publicUrl).replace(/\/+$/, '');
  if (get('ROSTER_URL') !== undefined && !parseUrl(serverUrl, ['http:', 'https:'])) {
    problems.push(`ROSTER_URL must be an http(s) URL (got "${serverUrl}")`);
  }

  const smtpUrl = get('SMTP_URL');
  if (smtpUrl !== undefined && !parseUrl(smtpUrl, ['smtp:', 'smtps:'])) {
    problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
  }

  const mailFrom = get('MAIL_FROM') ?? 'Roster <no-reply@localhost>';

  const smsWebhookUrl = get('SMS_WEBHOOK_URL');
  if (smsWebhookUrl !== undefined && !parseUrl(smsWebhookUrl, ['http:', 'https:'])) {
    problems.push('SMS_WEBHOOK_URL must be an http(s) URL');
  }
  const smsWebhookSecret = get('SMS_WEBHOOK_SECRET');
  if (smsWebhookSecret !== undefined && smsWebhookSecret.length < 16) problems.push('SMS_WEBHOOK_SECRET must be at least 16 characters');
  if (smsWebhookSecret !== undefined && smsWebhookUrl === undefined) problems.push('SMS_WEBHOOK_SECRET needs SMS_WEBHOOK_URL');

  const docsUrl = (get('ROSTER_DOCS_URL') ?? publicUrl).replace(/\/+$/, '');
  if (get('ROSTER_DOCS_URL') !== undefined && !parseUrl(docsUrl, ['http:', 'https:']))
    problems.push(`ROSTER_DOCS_URL must be an http(s) URL (got "${docsUrl}")`);

  const projectId = get('ROSTER_PROJECT_ID');
  const secret = get('ROSTER_PROJECT_SECRET');
  const redirectUrls = (get('ROSTER_REDIRECT_URLS') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  let bootstrapProject: Config['bootstrapProject'];
  if (projectId !== undefined || secret !== undefined) {
    if (projectId === undefined || secret === undefined) {
      problems.push('ROSTER_PROJECT_ID and ROSTER_PROJECT_SECRET must be set together');
    } else if (!PROJECT_ID.test(projectId)) {
      problems.push(`ROSTER_PROJECT_ID must look like project-test-<uuid> or project-live-<uuid> (got "${projectId}")`);
    } else if (secret.length < 32) {
      problems.push('ROSTER_PROJECT_SECRET must be at least 32 characters');
    } else {
      bootstrapProject = { projectId, secret, redirectUrls };
    }
  }
  for (const url of redirectUrls) {
    if (!parseUrl(url, ['http:', 'https:'])) problems.push(`ROSTER_REDIRECT_URLS has an invalid URL: "${url}"`);
  }
  if (redirectUrls.length > 0 && projectId === undefined) {
    problems.push('ROSTER_REDIRECT_URLS needs ROSTER_PROJECT_ID');
  }

  const logLevel = (get('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const logFormat = get('LOG_FORMAT');
  if (logFormat !== undefined && !(LOG_FORMATS as readonly string[]).includes(logFormat.toLowerCase())) {
    problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')} (got "${logFormat}")`);
  }

  const metricsToken = get('METRICS_TOKEN');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) {
    problems.push('METRICS_TOKEN must be at least 16 printable characters without spaces');
  }
  const metricsPort = portSetting('METRICS_PORT');

  const workerQueuesText = get('WORKER_QUEUES');
  const workerQueues = workerQueuesText
    ?.split(',')
    .map((q) => q.trim())
    .filter((q) => q !== '');

  const flag = (name: string, fallback: boolean): boolean => {
    const text = get(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (['true', '1', 'on'].includes(text)) return true;
    if (['false', '0', 'off'].includes(text)) return false;
    problems.push(`${name} must be true or false (got "${text}")`);
    return fallback;
  };
  const positiveInt = (name: string, fallback: number, min: number): number => {
    const text = get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min) {
      problems.push(`${name} must be an integer of at least ${min} (got "${text}")`);
      return fallback;
    }
    return value;
  };
  /** A comma-separated list of durations (`0`, `200ms`, `5s`, `5m`, `2h`), in milliseconds. */
  const durations = (name: string, fallback: string): number[] => {
    const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, '': 1 };
    const parse = (text: string) => text.split(',').map((part) => /^\s*(\d+)(ms|s|m|h|)\s*$/.exec(part));
    const text = get(name) ?? fallback;
    let parsed = parse(text);
    if (parsed.some((match) => match === null)) {
      problems.push(`${name} must be a comma-separated list of durations such as 0,5s,5m,2h (got "${text}")`);
      parsed = parse(fallback);
    }
    return parsed.map((match) => Number(match![1]) * unitMs[match![2]]);
  };
  const jobLockMs = positiveInt('ROSTER_JOB_LOCK_MS', 30_000, 1000);
  const migrationChunkRows = positiveInt('ROSTER_MIGRATION_CHUNK_ROWS', 50_000, 1);
  const inviteRatePerSecond = positiveInt('ROSTER_INVITE_RATE_PER_SECOND', 50, 0);
  const emailRetryMs = positiveInt('ROSTER_EMAIL_RETRY_MS', 15_000, 100);
  const database: DatabaseSettings = {
    poolMax: positiveInt('DATABASE_POOL_MAX', 10, 2),
    acquireTimeoutMs: positiveInt('DATABASE_ACQUIRE_TIMEOUT_MS', 10_000, 100),
    statementTimeoutMs: positiveInt('DATABASE_STATEMENT_TIMEOUT_MS', 60_000, 0),
    lockTimeoutMs: positiveInt('DATABASE_LOCK_TIMEOUT_MS', 10_000, 0),
    idleInTransactionTimeoutMs: positiveInt('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000, 0),
    guardNested: flag('DATABASE_GUARD_NESTED', false),
  };
  const webProcesses = positiveInt('WEB_CONCURRENCY', 1, 1);
  const credentialCacheMs = positiveInt('ROSTER_CREDENTIAL_CACHE_MS', 5_000, 0);
  const uploads: UploadLimits = {
    perProject: positiveInt('ROSTER_UPLOADS_PER_PROJECT', 2, 1),
    total: positiveInt('ROSTER_UPLOADS_TOTAL', 8, 1),
    idleMs: positiveInt('ROSTER_UPLOAD_IDLE_MS', 30_000, 100),
  };
  if (uploads.perProject > uploads.total) problems.push('ROSTER_UPLOADS_PER_PROJECT must not exceed ROSTER_UPLOADS_TOTAL');
  const checkResponses = flag('ROSTER_CHECK_RESPONSES', false);
  const shutdownGraceMs = positiveInt('SHUTDOWN_GRACE_MS', 25_000, 1000);
  const ssoAllowInsecureLoopback = flag('SSO_ALLOW_INSECURE_LOOPBACK', false);
  const eventsRetentionDays = positiveInt('ROSTER_EVENTS_RETENTION_DAYS', 90, 1);
  const webhooks: WebhookSettings = {
    allowPrivateAddresses: flag('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', false),
    timeoutMs: positiveInt('WEBHOOK_TIMEOUT_MS', 15_000, 100),
    retryScheduleMs: durations('WEBHOOK_RETRY_SCHEDULE', '0,5s,5m,30m,2h,5h,10h,10h'),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port,
    databaseUrl,
    redisUrl,
    queuePrefix,
    publicUrl,
    serverUrl,
    smtpUrl,
    mailFrom,
    smsWebhookUrl,
    smsWebhookSecret,
    bootstrapProject,
    logLevel,
    metricsToken,
    metricsPort,
    workerQueues,
    jobLockMs,
    migrationChunkRows,
    inviteRatePerSecond,
    emailRetryMs,
    database: Object.freeze(database),
    credentialCacheMs,
    uploads: Object.freeze(uploads),
    docsUrl,
    webProcesses,
    checkResponses,
    shutdownGraceMs,
    ssoAllowInsecureLoopback,
    eventsRetentionDays,
    webhooks: Object.freeze(webhooks),
  });
}
