import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { ScimConnectionRepository } from './repositories/scim-connection.repository';
import { ScimAuthenticator } from './services/scim/scim-auth';
import { ScimUserRepository } from './repositories/scim-user.repository';
import { ScimUserService } from './services/scim/scim-user.service';
import { ScimRoleRepository } from './repositories/scim-role.repository';
import { ScimRoles } from './services/scim/scim-roles';
import { ScimConnectionService } from './services/scim/scim-connection.service';
import { ScimGroupRepository } from './repositories/scim-group.repository';
import { ScimGroupService } from './services/scim/scim-group.service';
import { ScimReconcileRepository } from './repositories/scim-reconcile.repository';
import { SCIM_RECONCILE_JOB_TYPE, ScimReconcileUploads } from './services/scim/reconcile/reconcile-uploads';
import { ScimReconcileRun } from './services/scim/reconcile/reconcile-run';
import { ScimReconcileReports } from './services/scim/reconcile/reconcile-report';
import { SsoConnectionRepository } from './repositories/sso-connection.repository';
import { PublicTokenRepository } from './repositories/public-token.repository';
import { PublicTokenService } from './services/public-tokens';
import { SamlMetadataRefresh } from './services/sso/connections/saml-metadata-refresh';
import { SsoConnections } from './services/sso/connections/sso-connections';
import { SsoConnectionService } from './services/sso/connections/sso-connection.service';
import { OidcConnections } from './services/sso/connections/oidc-connections';
import { SamlConnections } from './services/sso/connections/saml-connections';
import type { SsoConnectionServices } from './api/routes/sso-connections.routes';
import { SsoSignInRepository } from './repositories/sso-sign-in.repository';
import { OidcCallback } from './services/sso/sign-in/oidc-callback';
import { OidcRelyingParty } from './services/sso/sign-in/oidc-relying-party';
import { PublicTokenProjects } from './services/sso/sign-in/public-token-projects';
import { SsoSignIns } from './services/sso/sign-in/sso-tokens';
import { SsoStart } from './services/sso/sign-in/start';
import { SamlStart } from './services/sso/sign-in/saml-start';
import { SamlAssertionConsumer } from './services/sso/sign-in/saml-acs';
import { SamlAssertionRepository } from './repositories/saml-assertion.repository';
import { SsoAuthenticate } from './services/sso/sso-authenticate';
import type { Config } from './config';
import { createKnex } from './db/knex';
import { fastFailConnection } from './queues/connection';
import type { JobProducer } from './jobs';
import { BullJobProducer } from './queues/producer';
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
import { EventRepository } from './repositories/event.repository';
import { EventLog } from './services/events/event-log';
import { ChangeEvents } from './services/events/change-events';
import { EventedJobRepository } from './services/events/job-events';
import { MigrationMemberEvents } from './services/events/migration-events';
import { ScimJobMemberEvents } from './services/events/scim-job-events';
import { presenterEventObjects } from './api/presenters/event-objects';
import { EventQueryRepository } from './repositories/event-query.repository';
import { EventQueryService } from './services/events/event-query';
import { EventRetention } from './services/events/event-retention';
import { WebhookDelivery } from './services/webhooks/webhook-delivery';
import { WebhookDeliveries } from './services/webhooks/webhook-deliveries';
import { WebhookDeliveryRepository } from './repositories/webhook-delivery.repository';
import { WebhookEndpointService } from './services/webhooks/webhook-endpoints';
import { WebhookEndpointRepository } from './repositories/webhook-endpoint.repository';
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
import { LoginOrSignup } from './services/login-or-signup';
import { EmailOtpService } from './services/email-otp.service';
import { DiscoveryEmails } from './services/discovery-emails.service';
import { DiscoveryRepository } from './repositories/discovery.repository';
import { DiscoveredOrganizations } from './services/discovery/discovered-organizations';
import { DiscoveryService } from './services/discovery/discovery.service';
import { OrganizationExchange } from './services/discovery/exchange';
import { MembershipEntry } from './services/discovery/membership-entry';
import { DiscoveryOrganizationCreation } from './services/discovery/organization-creation';
import { RedirectUrls } from './services/redirect-urls';
import { SmsRepository } from './repositories/sms.repository';
import { MemberFactorsRepository } from './repositories/member-factors.repository';
import { SmsOtpService } from './services/mfa/sms/sms-otp.service';
import { SmsListing } from './services/mfa/sms/sms-listing';
import { SmsDelivery } from './services/mfa/sms/sms-delivery';
import type { SmsSender } from './services/mfa/sms/sms-sender';
import { DevOutboxSmsSender } from './services/mfa/sms/dev-outbox-sender';
import { WebhookSmsSender } from './services/mfa/sms/webhook-sender';
import { MemberFactorsService } from './services/member-factors.service';
import { TotpRepository } from './repositories/totp.repository';
import { TotpGuard } from './services/mfa/totp-guard';
import { RecoveryCodes } from './services/mfa/recovery-codes.service';
import { TotpService } from './services/mfa/totp.service';
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
import { RbacRepository } from './repositories/rbac.repository';
import { RbacPolicies } from './services/rbac/policies';
import { OrganizationPolicies } from './services/rbac/organization-policies';
import { Authorization } from './services/rbac/authorization';
import { ProjectService } from './services/project.service';
import { ConsoleSessionRepository } from './repositories/console-session.repository';
import { ConsoleSessions } from './services/console/console-sessions';
import { SignInLimiter } from './services/console/sign-in-limiter';
import { ProjectOverviewRepository } from './repositories/project-overview.repository';
import { ProjectOverviews } from './services/console/project-overview';
import { MaintenanceRepository } from './repositories/maintenance.repository';
import { CredentialExpiry } from './services/maintenance/credential-expiry';
import { createMetrics, Metrics } from './metrics';

/** The composition root: one per process, built from config, closed on shutdown. */
export interface Container {
  config: Readonly<Config>;
  knex: Knex;
  /** For health checks and enqueueing; fails fast while Redis is down. */
  redis: Redis;
  projects: ProjectService;
  /** Admin console (/admin) sign-ins with a project id and secret. */
  consoleSessions: ConsoleSessions;
  /** The console's project overview: settings and counts. */
  projectOverviews: ProjectOverviews;
  organizations: OrganizationService;
  members: MemberService;
  /** The project's RBAC policy (Stytch's defaults until it sets its own). */
  rbacPolicies: RbacPolicies;
  /** Organizations' own RBAC roles (Stytch's organization policies). */
  organizationPolicies: OrganizationPolicies;
  /** RBAC decisions on member sessions: authorization checks and requests made with a member session. */
  authorization: Authorization;
  jobs: JobService;
  /** The member CSV import: uploads in `web`, validation and apply in the workers. */
  memberImportUploads: MemberImportUploads;
  memberImports: MemberImportProcessing;
  deduplication: DeduplicationService;
  sweeper: JobSweeper;
  /** The scheduled expiry of invite links, intermediate sessions and spent tokens. */
  credentialExpiry: CredentialExpiry;
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
  /** Email one-time passcodes of an organization (login-or-signup, authenticate). */
  emailOtps: EmailOtpService;
  /** Discovery emails (magic link or passcode): they prove an address before any organization is chosen. */
  discoveryEmails: DiscoveryEmails;
  /** SMS one-time passcodes as an MFA factor: sends (queued, texted by the workers) and authentication. */
  smsOtps: SmsOtpService;
  /** The workers' half of SMS passcodes: mints each code and hands the text to the sender. */
  smsDelivery: SmsDelivery;
  /** The project's SMS messages (the dev outbox's captured texts included). */
  smsListing: SmsListing;
  /** Removing a member's MFA phone number or retired emails. */
  memberFactors: MemberFactorsService;
  /** Authenticator apps (TOTP) as an MFA factor, and their recovery codes. */
  totps: TotpService;
  recoveryCodes: RecoveryCodes;
  /** Discovery authentication and the organizations an address can enter. */
  discovery: DiscoveryService;
  /** Entering another organization: discovery's intermediate-session exchange and sessions.exchange. */
  organizationExchange: OrganizationExchange;
  /** discovery.organizations.create. */
  discoveryCreation: DiscoveryOrganizationCreation;
  invites: InviteService;
  bulkInvites: BulkInviteService;
  /** Opens a SCIM connection's endpoints to the bearer token of that connection. */
  scimAuth: ScimAuthenticator;
  /** The /Users endpoints of every SCIM connection: SCIM users are the organization's members. */
  scimUsers: ScimUserService;
  /** The roles members hold through SCIM groups: refreshed when groups or mappings change, verified on a schedule. */
  scimRoles: ScimRoles;
  /** Stytch's scim.connection endpoints: an organization's SCIM connection, its tokens and group role assignments. */
  scimConnections: ScimConnectionService;
  /** The /Groups endpoints of every SCIM connection: group membership drives members' roles. */
  scimGroups: ScimGroupService;
  /** Directory snapshots: staged in `web`, diffed and applied by the workers. */
  scimReconcileUploads: ScimReconcileUploads;
  scimReconcileRun: ScimReconcileRun;
  scimReconcileReports: ScimReconcileReports;
  /** The SSO connection a sign-in starts from or returns to, with its certificates and callback URLs. */
  ssoConnections: SsoConnections;
  /** Stytch's sso, sso.oidc and sso.saml connection management. */
  ssoConnectionManagement: SsoConnectionServices;
  /** Projects' public tokens (the CLI's `public-tokens`). */
  publicTokens: PublicTokenService;
  /** The scheduled refresh of SAML IdP metadata (sso.saml-metadata-refresh). */
  samlMetadataRefresh: SamlMetadataRefresh;
  /** The single-use steps of an SSO sign-in (flows, sso tokens), whatever the protocol. */
  ssoSignIns: SsoSignIns;
  /** Stytch's SSO start URL and the OIDC redirect URI (browser-facing). */
  ssoStart: SsoStart;
  oidcCallback: OidcCallback;
  /** The SAML ACS URL: a signed assertion becomes an sso token. */
  samlAcs: SamlAssertionConsumer;
  /** Stytch's sso.authenticate: the redirect's token becomes a session. */
  ssoAuthenticate: SsoAuthenticate;
  /** Records changes as events (audit log, webhooks) in the transaction of the change. */
  eventLog: EventLog;
  /** The audit log: a project's events, filtered and paged (API, CLI, console). */
  eventQuery: EventQueryService;
  /** Deletes events past their retention (events.purge). */
  eventRetention: EventRetention;
  /** Turns events into webhook deliveries and sends them (the `webhooks` queue). */
  webhookDelivery: WebhookDelivery;
  /** Webhook deliveries as the API and console show them (delivery log, attempts), and replay. */
  webhookDeliveries: WebhookDeliveries;
  /** A project's webhook endpoints and their signing secrets. */
  webhookEndpoints: WebhookEndpointService;
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
  const scimUserRepository = new ScimUserRepository();
  const ssoSignInRepository = new SsoSignInRepository();
  const projectRepository = new ProjectRepository();
  const outboxRepository = new OutboxRepository();
  const webhookDeliveryRepository = new WebhookDeliveryRepository();
  const eventLog = new EventLog(new EventRepository(), outboxRepository);
  // Events carry the API's objects: its presenters, handed to the services (which may not import the API).
  const eventObjects = presenterEventObjects(config.publicUrl);
  const changeEvents = new ChangeEvents(eventLog, eventObjects);
  // Every job state change writes its event in the same transaction, whichever service makes it.
  const jobRepository = new EventedJobRepository(projectRepository, eventLog, eventObjects);
  const rbacRepository = new RbacRepository();
  const rbacPolicies = new RbacPolicies(knex, rbacRepository);
  const organizations = new OrganizationService(knex, organizationRepository, rbacPolicies, changeEvents);
  const sessionRepository = new SessionRepository();
  const magicLinkRepository = new MagicLinkRepository();
  const members = new MemberService(
    knex,
    memberRepository,
    organizationRepository,
    organizations,
    sessionRepository,
    magicLinkRepository,
    scimUserRepository,
    ssoSignInRepository,
    changeEvents,
  );
  const mailer: Mailer = metrics.countSends(config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : new DevOutboxMailer());
  const emailRepository = new EmailRepository();
  const otpCodes = new OtpCodes(new OtpCodeRepository());
  const emails = new EmailService(knex, emailRepository, magicLinkRepository, outboxRepository, mailer, producer, jobRepository, otpCodes);
  const signingKeys = new SigningKeys(knex, sessionRepository);
  const toucher = new SessionToucher(knex, sessionRepository);
  const sessions = new SessionService(knex, sessionRepository, memberRepository, signingKeys, toucher, config.publicUrl, changeEvents);
  const organizationPolicies = new OrganizationPolicies(knex, organizations, rbacPolicies, rbacRepository);
  const authorization = new Authorization(knex, rbacPolicies, sessions, sessionRepository);
  const relay = new OutboxRelay(knex, outboxRepository, producer);
  const redirectUrls = new RedirectUrls(knex, projectRepository);
  const outboxWritten = () => relay.poke();
  const invites = new InviteService(knex, organizations, members, memberRepository, redirectUrls, emails, outboxWritten);
  const intermediateSessions = new IntermediateSessions(new IntermediateSessionRepository());
  const authenticationFlow = new AuthenticationFlow(knex, sessions, intermediateSessions, ssoSignInRepository);
  const loginOrSignup = new LoginOrSignup(knex, organizations, members, memberRepository, emails, outboxWritten);
  const magicLinks = new MagicLinkService(
    knex,
    organizations,
    memberRepository,
    redirectUrls,
    magicLinkRepository,
    authenticationFlow,
    loginOrSignup,
    members,
  );
  const emailOtps = new EmailOtpService(knex, organizations, memberRepository, otpCodes, authenticationFlow, loginOrSignup, members);
  const discoveryEmails = new DiscoveryEmails(knex, redirectUrls, emails, outboxWritten);
  const smsRepository = new SmsRepository();
  const smsSender: SmsSender = config.smsWebhookUrl
    ? new WebhookSmsSender(config.smsWebhookUrl, config.smsWebhookSecret)
    : new DevOutboxSmsSender();
  const smsDelivery = new SmsDelivery(knex, smsRepository, otpCodes, smsSender);
  const smsOtps = new SmsOtpService(
    knex,
    organizations,
    members,
    memberRepository,
    smsRepository,
    outboxRepository,
    otpCodes,
    authenticationFlow,
    outboxWritten,
  );
  authenticationFlow.useSecondaryFactors({
    initiateSms: (trx, project, organization, member) => smsOtps.initiate(trx, project, organization, member),
  });
  const totpRepository = new TotpRepository();
  const totpGuard = new TotpGuard(knex, totpRepository, organizations, members, authenticationFlow);
  const recoveryCodes = new RecoveryCodes(knex, totpRepository, memberRepository, members, totpGuard, authenticationFlow);
  const totps = new TotpService(
    knex,
    totpRepository,
    projectRepository,
    organizations,
    members,
    memberRepository,
    totpGuard,
    recoveryCodes,
    authenticationFlow,
  );
  const memberFactors = new MemberFactorsService(
    knex,
    organizations,
    members,
    memberRepository,
    new MemberFactorsRepository(),
    smsRepository,
  );
  const discoveryRepository = new DiscoveryRepository();
  const discovery = new DiscoveryService(
    knex,
    magicLinkRepository,
    otpCodes,
    intermediateSessions,
    authenticationFlow,
    discoveryRepository,
    new DiscoveredOrganizations(discoveryRepository, members),
  );
  const organizationExchange = new OrganizationExchange(
    authenticationFlow,
    new MembershipEntry(discoveryRepository, memberRepository, members, organizations),
  );
  const discoveryCreation = new DiscoveryOrganizationCreation(
    authenticationFlow,
    organizations,
    organizationRepository,
    members,
    discoveryRepository,
  );
  const scimConnectionRepository = new ScimConnectionRepository();
  const ssoConnectionRepository = new SsoConnectionRepository();
  const ssoConnections = new SsoConnections(knex, ssoConnectionRepository, config.publicUrl);
  const ssoConnectionService = new SsoConnectionService(knex, organizations, ssoConnectionRepository, changeEvents);
  const samlConnections = new SamlConnections(ssoConnectionService, config.ssoAllowInsecureLoopback);
  const ssoSignIns = new SsoSignIns(ssoSignInRepository, memberRepository);
  const oidcRelyingParty = new OidcRelyingParty(ssoConnections, ssoSignIns, knex, config.ssoAllowInsecureLoopback);
  const scimAuth = new ScimAuthenticator(knex, scimConnectionRepository);
  const scimReconcileRepository = new ScimReconcileRepository();
  const scimJobMemberEvents = new ScimJobMemberEvents(
    eventLog,
    eventObjects,
    projectRepository,
    organizationRepository,
    members,
    scimReconcileRepository,
  );
  const scimRoles = new ScimRoles(knex, new ScimRoleRepository(), outboxRepository, scimJobMemberEvents);
  const scimGroups = new ScimGroupService(knex, new ScimGroupRepository(), scimRoles, members);
  const jobs = new JobService(knex, jobRepository);
  const scimReconcileRun = new ScimReconcileRun(knex, jobRepository, scimReconcileRepository, producer, scimJobMemberEvents);
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
    new MigrationMemberEvents(eventLog, eventObjects, projectRepository, organizationRepository, members),
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
      [SCIM_RECONCILE_JOB_TYPE]: (job) => scimReconcileRun.resume(job),
    },
    [() => memberImports.dropFinishedStaging(), () => emails.resumeStale(), () => smsDelivery.expireStale()],
  );
  const consoleSessionRepository = new ConsoleSessionRepository();
  const projects = new ProjectService(knex, projectRepository, consoleSessionRepository, config.credentialCacheMs);
  return {
    config,
    knex,
    redis,
    producer,
    projects,
    // Failed sign-ins are counted in memory, per process: 10 per 15 minutes per address and per project id.
    consoleSessions: new ConsoleSessions(knex, consoleSessionRepository, projects, new SignInLimiter(10, 15 * 60_000)),
    projectOverviews: new ProjectOverviews(knex, projectRepository, new ProjectOverviewRepository()),
    organizations,
    members,
    rbacPolicies,
    organizationPolicies,
    authorization,
    jobs,
    memberImportUploads,
    memberImports,
    deduplication,
    sweeper,
    credentialExpiry: new CredentialExpiry(knex, new MaintenanceRepository()),
    emails,
    emailListing: new EmailListing(knex, emailRepository),
    sessions,
    authenticationFlow,
    intermediateSessions,
    otpCodes,
    signingKeys,
    sessionToucher: toucher,
    magicLinks,
    emailOtps,
    discoveryEmails,
    smsOtps,
    smsDelivery,
    smsListing: new SmsListing(knex, smsRepository),
    memberFactors,
    totps,
    recoveryCodes,
    discovery,
    organizationExchange,
    discoveryCreation,
    invites,
    bulkInvites,
    scimAuth,
    scimUsers: new ScimUserService(knex, scimUserRepository, memberRepository, organizationRepository, members),
    scimRoles,
    scimConnections: new ScimConnectionService(knex, organizations, scimConnectionRepository, scimRoles, changeEvents),
    scimGroups,
    scimReconcileUploads: new ScimReconcileUploads(knex, jobRepository, scimReconcileRepository, organizations, producer),
    scimReconcileRun,
    scimReconcileReports: new ScimReconcileReports(knex, jobs, scimReconcileRepository),
    ssoConnections,
    publicTokens: new PublicTokenService(knex, new PublicTokenRepository()),
    samlMetadataRefresh: new SamlMetadataRefresh(knex, ssoConnectionRepository, samlConnections),
    ssoConnectionManagement: {
      connections: ssoConnectionService,
      oidc: new OidcConnections(ssoConnectionService, config.ssoAllowInsecureLoopback),
      saml: samlConnections,
    },
    ssoSignIns,
    ssoStart: new SsoStart(new PublicTokenProjects(knex), ssoConnections, redirectUrls, {
      oidc: oidcRelyingParty,
      saml: new SamlStart(knex, ssoConnections, ssoSignIns),
    }),
    oidcCallback: new OidcCallback(knex, ssoConnections, oidcRelyingParty, ssoSignIns),
    samlAcs: new SamlAssertionConsumer(knex, ssoConnections, ssoSignIns, new SamlAssertionRepository(), redirectUrls),
    ssoAuthenticate: new SsoAuthenticate(
      ssoSignInRepository,
      ssoConnectionRepository,
      organizationRepository,
      memberRepository,
      members,
      authenticationFlow,
    ),
    eventLog,
    eventQuery: new EventQueryService(knex, new EventQueryRepository()),
    eventRetention: new EventRetention(knex, new EventQueryRepository(), config.eventsRetentionDays),
    webhookDelivery: new WebhookDelivery(knex, webhookDeliveryRepository, new WebhookEndpointRepository(), producer, config.webhooks),
    webhookDeliveries: new WebhookDeliveries(knex, webhookDeliveryRepository, producer),
    webhookEndpoints: new WebhookEndpointService(
      knex,
      new WebhookEndpointRepository(),
      webhookDeliveryRepository,
      config.webhooks.allowPrivateAddresses,
    ),
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
