import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import { createKnex } from './db/knex';
import { fastFailConnection } from './queues/connection';
import { BullJobProducer, JobProducer } from './queues/producer';
import { JobRepository } from './repositories/job.repository';
import { MigrationRepository } from './repositories/migration.repository';
import { DeduplicationRepository } from './repositories/deduplication.repository';
import { DeduplicationService, MERGE_JOB_TYPE, SCAN_JOB_TYPE } from './services/deduplication.service';
import { JobService } from './services/job.service';
import { JobSweeper } from './services/job-sweeper';
import { MIGRATION_JOB_TYPE, MigrationService } from './services/migrations/migration.service';
import { MemberRepository } from './repositories/member.repository';
import { OrganizationRepository } from './repositories/organization.repository';
import { ProjectRepository } from './repositories/project.repository';
import { MemberService } from './services/member.service';
import { OrganizationService } from './services/organization.service';
import { ProjectService } from './services/project.service';

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
  migrations: MigrationService;
  deduplication: DeduplicationService;
  sweeper: JobSweeper;
  producer: JobProducer;
  close(): Promise<void>;
}

export function createContainer(config: Readonly<Config>): Container {
  const knex = createKnex(config.databaseUrl);
  const redis = fastFailConnection(config.redisUrl);
  // Errors surface through health checks and callers; without a listener
  // ioredis would print every reconnect attempt.
  redis.on('error', () => undefined);

  const producer = new BullJobProducer(redis, config.queuePrefix);
  const organizationRepository = new OrganizationRepository();
  const memberRepository = new MemberRepository();
  const projectRepository = new ProjectRepository();
  const jobRepository = new JobRepository();
  const organizations = new OrganizationService(knex, organizationRepository);
  const members = new MemberService(knex, memberRepository, organizationRepository, organizations);
  const migrations = new MigrationService(
    knex,
    jobRepository,
    new MigrationRepository(config.databaseUrl),
    organizations,
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
  const sweeper = new JobSweeper(
    knex,
    jobRepository,
    {
      [MIGRATION_JOB_TYPE]: (job) => migrations.resume(job),
      [MERGE_JOB_TYPE]: (job) => deduplication.resume(job),
      [SCAN_JOB_TYPE]: (job) => deduplication.resume(job),
    },
    [() => migrations.dropFinishedStaging()],
  );
  return {
    config,
    knex,
    redis,
    producer,
    projects: new ProjectService(knex, projectRepository),
    organizations,
    members,
    jobs: new JobService(knex, jobRepository),
    migrations,
    deduplication,
    sweeper,
    async close() {
      await producer.close();
      redis.disconnect();
      await knex.destroy();
    },
  };
}
