import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startWorkers, Workers } from '../../workers';
import { parseId } from '../../src/ids';
import { bullPrefix } from '../../src/queues/connection';
import { SCHEDULES } from '../../src/queues/registry';
import { MaintenanceRepository } from '../../src/repositories/maintenance.repository';
import { startScheduler } from '../../src/scheduler';
import { CredentialExpiry, TOKEN_RETENTION_SECONDS } from '../../src/services/maintenance/credential-expiry';
import { startTestApp, TestApp } from '../helpers/app';
import { createMember, createOrganization } from '../helpers/factories';
import { MaintenanceQueue, openMaintenanceQueue } from '../helpers/maintenance-queue';
import { deleteQueueKeys } from '../helpers/redis';

const DAY = 24 * 3600;

describe('scheduled maintenance jobs', () => {
  let app: TestApp;
  let workers: Workers;
  let maintenance: MaintenanceQueue;
  let projectId: string;

  beforeAll(async () => {
    app = await startTestApp();
    maintenance = await openMaintenanceQueue(app.container.config);
    // Workers without the outbox relay: only the scheduled sweep moves outbox entries here.
    workers = startWorkers(app.container);
    projectId = parseId('project', 'test', app.project.projectId)!;
  });

  afterAll(async () => {
    await workers?.close();
    await maintenance?.close();
    await app.close();
  });

  const knex = () => app.container.knex;

  /** Adds a maintenance job and waits for the real worker to finish it; answers the job's return value. */
  const run = (name: string) => maintenance.run(name);

  /** A member (bare ids) of a fresh organization of the app's project. */
  async function newMember(fields: Record<string, unknown> = {}) {
    const organization = await createOrganization(app.project.client);
    const member = await createMember(app.project.client, organization.organization_id, fields);
    return {
      organizationId: parseId('organization', 'test', organization.organization_id)!,
      memberId: parseId('member', 'test', member.member_id)!,
    };
  }

  /** `seconds` from now (negative: in the past), as Postgres computes it. */
  const at = (seconds: number) => knex().raw(`now() + make_interval(secs => ?)`, [seconds]);

  async function insertLink(
    owner: { organizationId: string; memberId: string },
    kind: 'invite' | 'login',
    expiresIn: number,
    usedAgo?: number,
  ) {
    const emailId = randomUUID();
    await knex()('emails').insert({
      id: emailId,
      project_id: projectId,
      organization_id: owner.organizationId,
      member_id: owner.memberId,
      kind,
      to_address: 'someone@acme.com',
      to_normalized: 'someone@acme.com',
      redirect_url: 'https://app.example.com/authenticate',
      expiration_minutes: 60,
      status: 'sent',
    });
    const id = randomUUID();
    await knex()('magic_link_tokens').insert({
      id,
      project_id: projectId,
      organization_id: owner.organizationId,
      member_id: owner.memberId,
      email_id: emailId,
      kind,
      email_normalized: 'someone@acme.com',
      token_hash: randomBytes(32),
      expires_at: at(expiresIn),
      used_at: usedAgo === undefined ? null : at(-usedAgo),
    });
    return id;
  }

  async function insertSession(owner: { organizationId: string; memberId: string }, expiresIn: number, revokedAgo?: number) {
    const id = randomUUID();
    await knex()('member_sessions').insert({
      id,
      project_id: projectId,
      organization_id: owner.organizationId,
      member_id: owner.memberId,
      token_hash: randomBytes(32),
      expires_at: at(expiresIn),
      revoked_at: revokedAgo === undefined ? null : at(-revokedAgo),
    });
    return id;
  }

  async function insertOtp(expiresIn: number, usedAgo?: number) {
    const id = randomUUID();
    await knex()('otp_codes').insert({
      id,
      project_id: projectId,
      channel: 'email',
      destination: 'someone@acme.com',
      code_hash: randomBytes(32),
      expires_at: at(expiresIn),
      used_at: usedAgo === undefined ? null : at(-usedAgo),
    });
    return id;
  }

  async function insertIntermediateSession(owner: { organizationId: string; memberId: string }, expiresIn: number) {
    const id = randomUUID();
    await knex()('intermediate_sessions').insert({
      id,
      project_id: projectId,
      organization_id: owner.organizationId,
      member_id: owner.memberId,
      email: 'someone@acme.com',
      email_normalized: 'someone@acme.com',
      token_hash: randomBytes(32),
      expires_at: at(expiresIn),
    });
    return id;
  }

  /** An SSO connection (bare id) of the member's organization, for the sign-in rows below. */
  async function insertSsoConnection(owner: { organizationId: string }) {
    const id = randomUUID();
    await knex()('sso_connections').insert({ id, project_id: projectId, organization_id: owner.organizationId, kind: 'saml' });
    return id;
  }

  async function insertSsoFlow(connectionId: string, expiresIn: number, usedAgo?: number) {
    const id = randomUUID();
    await knex()('sso_flows').insert({
      id,
      project_id: projectId,
      connection_id: connectionId,
      state_hash: randomBytes(32),
      expires_at: at(expiresIn),
      used_at: usedAgo === undefined ? null : at(-usedAgo),
    });
    return id;
  }

  async function insertSsoToken(connectionId: string, expiresIn: number, usedAgo?: number) {
    const id = randomUUID();
    await knex()('sso_tokens').insert({
      id,
      project_id: projectId,
      connection_id: connectionId,
      token_hash: randomBytes(32),
      external_id: 'subject',
      email: 'someone@acme.com',
      expires_at: at(expiresIn),
      used_at: usedAgo === undefined ? null : at(-usedAgo),
    });
    return id;
  }

  async function insertAssertionId(connectionId: string, expiresIn: number) {
    const assertionId = `_${randomUUID()}`;
    await knex()('saml_assertion_ids').insert({ connection_id: connectionId, assertion_id: assertionId, expires_at: at(expiresIn) });
    return assertionId;
  }

  const remaining = async (table: string, ids: string[]) =>
    (await knex()(table).whereIn('id', ids).select('id').orderBy('id')).map((r: { id: string }) => r.id).sort();

  it('invites.expire voids expired unused invite links and keeps the invited members', async () => {
    const waiting = await newMember({});
    await knex()('members').where({ id: waiting.memberId }).update({ status: 'invited' });
    const expired = await insertLink(waiting, 'invite', -60);
    const live = await newMember({});
    await knex()('members').where({ id: live.memberId }).update({ status: 'invited' });
    const liveLink = await insertLink(live, 'invite', 3600);
    const usedLink = await insertLink(live, 'invite', -60, 120);
    const loginLink = await insertLink(waiting, 'login', -60);

    const outcome = await run('invites.expire');

    expect(outcome).toEqual({ expired_invite_links: 1, awaiting_reinvite: 1 });
    expect(await remaining('magic_link_tokens', [expired, liveLink, usedLink, loginLink])).toEqual([liveLink, usedLink, loginLink].sort());
    const statuses = await knex()('members').whereIn('id', [waiting.memberId, live.memberId]).pluck('status');
    expect(statuses).toEqual(['invited', 'invited']);
    // Nothing is left to do: a second run changes nothing.
    expect(await run('invites.expire')).toEqual({ expired_invite_links: 0, awaiting_reinvite: 1 });
  });

  it('intermediate-sessions.purge deletes expired intermediate sessions only', async () => {
    const owner = await newMember();
    const expired = await insertIntermediateSession(owner, -1);
    const live = await insertIntermediateSession(owner, 600);

    expect(await run('intermediate-sessions.purge')).toEqual({ intermediate_sessions: 1 });
    expect(await remaining('intermediate_sessions', [expired, live])).toEqual([live]);
  });

  it('tokens.purge deletes links, passcodes and sessions dead for longer than the retention, and nothing younger', async () => {
    const owner = await newMember();
    const old = TOKEN_RETENTION_SECONDS + 60;
    const recent = TOKEN_RETENTION_SECONDS - 3600;
    const links = {
      usedLongAgo: await insertLink(owner, 'login', 3600, old),
      expiredLongAgo: await insertLink(owner, 'login', -old),
      expiredRecently: await insertLink(owner, 'login', -recent),
      live: await insertLink(owner, 'login', 3600),
    };
    const otps = { usedLongAgo: await insertOtp(3600, old), expiredRecently: await insertOtp(-recent), live: await insertOtp(600) };
    const sessions = {
      revokedLongAgo: await insertSession(owner, 30 * DAY, old),
      expiredLongAgo: await insertSession(owner, -old),
      revokedRecently: await insertSession(owner, 30 * DAY, recent),
      live: await insertSession(owner, 3600),
    };

    expect(await run('tokens.purge')).toEqual({
      magic_link_tokens: 2,
      otp_codes: 1,
      member_sessions: 2,
      sso_flows: 0,
      sso_tokens: 0,
      saml_assertion_ids: 0,
    });
    expect(await remaining('magic_link_tokens', Object.values(links))).toEqual([links.expiredRecently, links.live].sort());
    expect(await remaining('otp_codes', Object.values(otps))).toEqual([otps.expiredRecently, otps.live].sort());
    expect(await remaining('member_sessions', Object.values(sessions))).toEqual([sessions.revokedRecently, sessions.live].sort());
  });

  it('tokens.purge deletes SSO flows and tokens like other tokens, and SAML assertion ids only by expiry', async () => {
    const connectionId = await insertSsoConnection(await newMember());
    const old = TOKEN_RETENTION_SECONDS + 60;
    const recent = TOKEN_RETENTION_SECONDS - 3600;
    const flows = {
      usedLongAgo: await insertSsoFlow(connectionId, 600, old),
      expiredLongAgo: await insertSsoFlow(connectionId, -old),
      usedRecently: await insertSsoFlow(connectionId, -recent, recent),
      live: await insertSsoFlow(connectionId, 600),
    };
    const tokens = {
      usedLongAgo: await insertSsoToken(connectionId, 600, old),
      expiredRecently: await insertSsoToken(connectionId, -recent),
      live: await insertSsoToken(connectionId, 600),
    };
    const assertions = {
      expiredLongAgo: await insertAssertionId(connectionId, -old),
      expiredRecently: await insertAssertionId(connectionId, -recent),
      live: await insertAssertionId(connectionId, 3600),
    };

    expect(await run('tokens.purge')).toMatchObject({ sso_flows: 2, sso_tokens: 1, saml_assertion_ids: 1 });
    expect(await remaining('sso_flows', Object.values(flows))).toEqual([flows.usedRecently, flows.live].sort());
    expect(await remaining('sso_tokens', Object.values(tokens))).toEqual([tokens.expiredRecently, tokens.live].sort());
    const assertionIds = await knex()('saml_assertion_ids').where({ connection_id: connectionId }).pluck('assertion_id');
    expect(assertionIds.sort()).toEqual([assertions.expiredRecently, assertions.live].sort());
  });

  it('deletes a backlog of SAML assertion ids (a composite key) batch after batch', async () => {
    const connectionId = await insertSsoConnection(await newMember());
    for (let i = 0; i < 7; i++) await insertAssertionId(connectionId, -2 * TOKEN_RETENTION_SECONDS);
    const live = await insertAssertionId(connectionId, 3600);
    const smallBatches = new CredentialExpiry(knex(), new MaintenanceRepository(), 3);

    expect(await smallBatches.purgeTokens()).toMatchObject({ saml_assertion_ids: 7 });
    expect(await knex()('saml_assertion_ids').where({ connection_id: connectionId }).pluck('assertion_id')).toEqual([live]);
  });

  it('deletes a backlog larger than one batch, batch after batch', async () => {
    const owner = await newMember();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await insertSession(owner, -2 * TOKEN_RETENTION_SECONDS));
    const live = await insertSession(owner, 3600);
    const smallBatches = new CredentialExpiry(knex(), new MaintenanceRepository(), 3);

    expect(await smallBatches.purgeTokens()).toMatchObject({ member_sessions: 7 });
    expect(await remaining('member_sessions', [...ids, live])).toEqual([live]);
  });

  it('outbox.sweep moves outbox entries left behind into the queues', async () => {
    const queueJobId = `left-behind-${randomUUID()}`;
    await knex()('outbox').insert({ job_name: 'jobs.sweep', payload: JSON.stringify({}), queue_job_id: queueJobId });

    const outcome = await run('outbox.sweep');

    expect(outcome.relayed).toBeGreaterThanOrEqual(1);
    expect(await knex()('outbox').where({ queue_job_id: queueJobId }).first()).toBeUndefined();
    const relayed = await maintenance.queue.getJob(queueJobId);
    expect(relayed?.name).toBe('jobs.sweep');
  });
});

describe('the scheduler', () => {
  let app: TestApp;
  let prefix: string;

  beforeAll(async () => {
    app = await startTestApp();
    // A queue prefix no worker serves: the schedulers' first jobs just wait there.
    prefix = `${app.container.config.queuePrefix}_scheduler`;
  });

  afterAll(async () => {
    await deleteQueueKeys(prefix);
    await app.close();
  });

  it('registers exactly one job scheduler per schedule, however often and however concurrently it starts', async () => {
    const config = { ...app.container.config, queuePrefix: prefix };
    await (await startScheduler(config)).close();
    await (await startScheduler(config)).close();
    const concurrent = await Promise.all([startScheduler(config), startScheduler(config)]);
    await Promise.all(concurrent.map((s) => s.close()));

    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    try {
      for (const queueName of new Set(SCHEDULES.map((s) => s.queue))) {
        const queue = new Queue(queueName, { connection, prefix: bullPrefix(prefix) });
        const schedulers = await queue.getJobSchedulers(0, -1);
        await queue.close();
        const expected = SCHEDULES.filter((s) => s.queue === queueName);
        expect(schedulers.map((s) => s.key).sort()).toEqual(expected.map((s) => s.job).sort());
        for (const schedule of expected) {
          expect(schedulers.find((s) => s.key === schedule.job)?.every).toBe(schedule.everyMs);
        }
      }
    } finally {
      connection.disconnect();
    }
    expect(SCHEDULES.map((s) => s.job)).toEqual(
      expect.arrayContaining([
        'invites.expire',
        'intermediate-sessions.purge',
        'tokens.purge',
        'outbox.sweep',
        'signing-keys.rotate',
        'jobs.sweep',
        'organizations.purge-deleted',
      ]),
    );
  });
});
