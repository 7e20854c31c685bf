import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import { createKnex } from './db/knex';
import { fastFailConnection } from './queues/connection';
import type { JobProducer } from './jobs';
import { BullJobProducer } from './queues/producer';
import { JobRepository } from './repositories/job.repository';
import { StagingRepository } from './repositories/member-import/staging';
import { ImportValidationRepository } from './repositories/member-import/validation';
import { ImportChunkRepository } from './repositories/member-import/apply';
import { DeduplicationRepository } from './repositories/deduplication.repository';
import { DeduplicationService, MERGE_JOB_TYPE, SCAN_JOB_TYPE } from './services/deduplication.service';
import { JobService } from './services/job.service';
import { JobSweeper } from './services/job-sweeper';
import { OutboxRelay } from './queues/outbox-relay';
import { EmailRepository } from './repositories/email.repository';
import { MagicLinkRepository } from './repositories/magic-link.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { SessionRepository } from './repositories/session.repository';
import { IntermediateSessionRepository } from './repositories/intermediate-session.repository';
import { OtpCodeRepository } from './repositories/otp-code.repository';
import { AuthenticationFlow } from './services/auth/authentication-flow';
import { IntermediateSessions } from './services/auth/intermediate-sessions';
import { OtpCodes } from './services/auth/otp-codes';
import { EmailService } from './services/email/email.service';
import { EmailListing } from './services/email/email-listing';
import { DevOutboxMailer, Mailer, SmtpMailer } from './services/email/mailer';
import { InviteService } from './services/invite.service';
import { MagicLinkService } from './services/magic-link.service';
import { RedirectUrls } from './services/redirect-urls';
import { BULK_INVITE_JOB_TYPE, BulkInviteService } from './services/bulk-invite.service';
import { BulkInviteRepository } from './repositories/bulk-invite.repository';
import { SessionService } from './services/sessions/session.service';
import { SessionToucher } from './services/sessions/session-toucher';
import { SigningKeys } from './services/sessions/signing-keys';
import { MEMBER_IMPORT_JOB_TYPE } from './services/member-import/import-job';
import { MemberImportUploads } from './services/member-import/upload';
import { MemberImportProcessing } from './services/member-import/processing';
import { MemberRepository } from './repositories/member.repository';
import { OrganizationRepository } from './repositories/organization.repository';
import { ProjectRepository } from './repositories/project.repository';
import { MemberService } from './services/member.service';
import { OrganizationService } from './services/organization.service';
import { ProjectService } from './services/project.service';
import { createMetrics, Metrics } from './metrics';

/** The composition root: one per process, built from config, closed on shutdown. */
export interface Container {
  config: Readonly<Config>;
  knex: Knex;
  /** For health checks and enqueueing; fails fast while Redis is down. */
  redis: Redis;
  projects: ProjectService;
  organizations: OrganizationService;
  members: MemberService;
  jobs: JobService;
  /** The member CSV import: uploads in `web`, validation and apply in the workers. */
  memberImportUploads: MemberImportUploads;
  memberImports: MemberImportProcessing;
  deduplication: DeduplicationService;
  sweeper: JobSweeper;
  emails: EmailService;
  /** The project's emails as GET /v1/b2b/emails lists them (the dev outbox's captured links included). */
  emailListing: EmailListing;
  sessions: SessionService;
  /** Every organization-bound authentication ends here: a session, or an intermediate session naming what is missing. */
  authenticationFlow: AuthenticationFlow;
  intermediateSessions: IntermediateSessions;
  /** One-time passcodes (email and SMS): minted at send time, hashed, single-use, guess-limited. */
  otpCodes: OtpCodes;
  signingKeys: SigningKeys;
  /** Coalesced last-access writes of authenticated sessions; flushed on close. */
  sessionToucher: SessionToucher;
  magicLinks: MagicLinkService;
  invites: InviteService;
  bulkInvites: BulkInviteService;
  /** Moves committed outbox entries into BullMQ; each process role starts it. */
  relay: OutboxRelay;
  producer: JobProducer;
  /** This process's Prometheus metrics (GET /metrics). */
  metrics: Metrics;
  close(): Promise<void>;
}

/** What a caller may supply instead of the defaults (service tests pass a fake producer). */
export interface ContainerOverrides {
  producer?: JobProducer;
}

export function createContainer(config: Readonly<Config>, overrides: ContainerOverrides = {}): Container {
  const knex = createKnex(config.databaseUrl, config.database);
  const redis = fastFailConnection(config.redisUrl);
  // Errors surface through health checks and callers; without a listener
  // ioredis would print every reconnect attempt.
  redis.on('error', () => undefined);
  const metrics = createMetrics({ knex, redis, queuePrefix: config.queuePrefix, clustered: config.webProcesses > 1 });

  const producer = overrides.producer ?? new BullJobProducer(redis, config.queuePrefix, config.emailRetryMs);
  const organizationRepository = new OrganizationRepository();
  const memberRepository = new MemberRepository();
  const projectRepository = new ProjectRepository();
  const jobRepository = new JobRepository();
  const organizations = new OrganizationService(knex, organizationRepository);
  const sessionRepository = new SessionRepository();
  const magicLinkRepository = new MagicLinkRepository();
  const outboxRepository = new OutboxRepository();
  const members = new MemberService(knex, memberRepository, organizationRepository, organizations, sessionRepository, magicLinkRepository);
  const mailer: Mailer = metrics.countSends(config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : new DevOutboxMailer());
  const emailRepository = new EmailRepository();
  const emails = new EmailService(knex, emailRepository, magicLinkRepository, outboxRepository, mailer, producer, jobRepository);
  const signingKeys = new SigningKeys(knex, sessionRepository);
  const toucher = new SessionToucher(knex, sessionRepository);
  const sessions = new SessionService(knex, sessionRepository, memberRepository, signingKeys, toucher, config.publicUrl);
  const relay = new OutboxRelay(knex, outboxRepository, producer);
  const redirectUrls = new RedirectUrls(knex, projectRepository);
  const outboxWritten = () => relay.poke();
  const invites = new InviteService(knex, organizations, members, memberRepository, redirectUrls, emails, outboxWritten);
  const intermediateSessions = new IntermediateSessions(new IntermediateSessionRepository());
  const authenticationFlow = new AuthenticationFlow(knex, sessions, intermediateSessions, memberRepository);
  const otpCodes = new OtpCodes(new OtpCodeRepository());
  const magicLinks = new MagicLinkService(
    knex,
    organizations,
    members,
    memberRepository,
    redirectUrls,
    magicLinkRepository,
    emails,
    authenticationFlow,
    outboxWritten,
  );
  const importStaging = new StagingRepository(config.databaseUrl);
  const memberImportUploads = new MemberImportUploads(knex, jobRepository, importStaging, organizations, producer, config.uploads);
  const memberImports = new MemberImportProcessing(
    knex,
    jobRepository,
    importStaging,
    new ImportValidationRepository(),
    new ImportChunkRepository(),
    producer,
    config.migrationChunkRows,
  );
  const deduplication = new DeduplicationService(
    knex,
    new DeduplicationRepository(),
    memberRepository,
    jobRepository,
    organizations,
    members,
    projectRepository,
    producer,
  );
  const bulkInvites = new BulkInviteService(
    knex,
    jobRepository,
    new BulkInviteRepository(),
    projectRepository,
    outboxRepository,
    organizations,
    invites,
    producer,
    config.inviteRatePerSecond,
    () => relay.poke(),
  );
  const sweeper = new JobSweeper(
    knex,
    jobRepository,
    {
      [MEMBER_IMPORT_JOB_TYPE]: (job) => memberImports.resume(job),
      [MERGE_JOB_TYPE]: (job) => deduplication.resume(job),
      [SCAN_JOB_TYPE]: (job) => deduplication.resume(job),
      [BULK_INVITE_JOB_TYPE]: (job) => bulkInvites.resume(job),
    },
    [() => memberImports.dropFinishedStaging(), () => emails.resumeStale()],
  );
  return {
    config,
    knex,
    redis,
    producer,
    projects: new ProjectService(knex, projectRepository, config.credentialCacheMs),
    organizations,
    members,
    jobs: new JobService(knex, jobRepository),
    memberImportUploads,
    memberImports,
    deduplication,
    sweeper,
    emails,
    emailListing: new EmailListing(knex, emailRepository),
    sessions,
    authenticationFlow,
    intermediateSessions,
    otpCodes,
    signingKeys,
    sessionToucher: toucher,
    magicLinks,
    invites,
    bulkInvites,
    relay,
    metrics,
    async close() {
      await relay.stop();
      await toucher.flush();
      mailer.close();
      await producer.close();
      await metrics.close();
      redis.disconnect();
      await knex.destroy();
    },
  };
}
