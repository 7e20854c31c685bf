/**
 * Roster's events: Stytch's webhook event shape (`source.object_type.action`,
 * https://stytch.com/docs/b2b/guides/webhooks) plus Roster's own for jobs.
 * Data and types only: services, repositories, the API and workers share them.
 */

/** Where a change came from. Stytch's DIRECT, DASHBOARD and SCIM; Roster adds MIGRATION (bulk jobs) and SYSTEM (scheduled work). */
export const EVENT_SOURCES = ['DIRECT', 'DASHBOARD', 'SCIM', 'MIGRATION', 'SYSTEM'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const EVENT_ACTIONS = ['CREATE', 'UPDATE', 'DELETE'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

/** Stytch's object types, plus Roster's `member_session` (revocations) and `job`. */
export const EVENT_OBJECT_TYPES = [
  'organization',
  'member',
  'saml_connection',
  'oidc_connection',
  'scim_connection',
  'member_session',
  'job',
] as const;
export type EventObjectType = (typeof EVENT_OBJECT_TYPES)[number];

/** Who acted: the credential a change came through. */
export const ACTOR_TYPES = ['api_key', 'member', 'scim_connection', 'job', 'console_user', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface EventActor {
  source: EventSource;
  type: ActorType;
  /** The actor's public id: project id for an API key, member id, SCIM connection id, job id, console user. */
  id: string | null;
}

/** The actor of work nobody asked for (scheduled maintenance). */
export const SYSTEM_ACTOR: EventActor = { source: 'SYSTEM', type: 'system', id: null };

/** Roster's job events: a caller-visible job's state changes (one summary event per job, however many rows it touched). */
export const JOB_EVENT_NAMES = ['job.queued', 'job.started', 'job.completed', 'job.failed', 'job.cancelled'] as const;
export type JobEventName = (typeof JOB_EVENT_NAMES)[number];

/** One change to record. */
export interface EventInput {
  objectType: EventObjectType;
  action: EventAction;
  /** The changed object's public id (`member-test-…`). */
  objectId: string;
  /** Bare organization id, when the object belongs to one (filters and the console). */
  organizationId?: string | null;
  /** The object as the API answers it, for CREATE and UPDATE (Stytch sends none on DELETE). */
  object?: unknown;
  /** Overrides the Stytch-style name; Roster's job events use it. */
  name?: JobEventName;
}

/** The event as delivered and as `GET /v1/b2b/events` shows its body. */
export interface EventPayload {
  project_id: string;
  event_id: string;
  action: EventAction;
  object_type: EventObjectType;
  source: EventSource;
  id: string;
  timestamp: string;
  vertical: 'B2B';
  [objectKey: string]: unknown;
}

/** `direct.member.create`: Stytch's event type identifier. */
export function eventName(source: EventSource, objectType: EventObjectType, action: EventAction): string {
  return `${source.toLowerCase()}.${objectType}.${action.toLowerCase()}`;
}

/**
 * The opt-in events: a bulk job's per-member events (a member import's `migration.member.create`, a directory
 * reconcile's `scim.member.update`, …), those of a member acted on by a job. They are written only when an
 * enabled endpoint names them, and an endpoint subscribed to everything (empty event_types) is not sent them: a
 * million-row import makes no million HTTP calls by default. The same name from a request (a SCIM PATCH's
 * `scim.member.update`) is not opt-in. The one statement of the rule: EventLog checks it, and the webhook
 * fan-out's SQL takes these values.
 */
export const OPT_IN_EVENTS = { actor_type: 'job', object_type: 'member' } as const satisfies {
  actor_type: ActorType;
  object_type: EventObjectType;
};

export const isOptInEvent = (actorType: ActorType, objectType: EventObjectType): boolean =>
  actorType === OPT_IN_EVENTS.actor_type && objectType === OPT_IN_EVENTS.object_type;

/**
 * Every event name a webhook endpoint may subscribe to: each source × object type × action (jobs excepted:
 * their events carry Roster's own names), then the job events.
 */
export function webhookEventTypes(): string[] {
  const objectTypes = EVENT_OBJECT_TYPES.filter((type) => type !== 'job');
  const stytchStyle = EVENT_SOURCES.flatMap((source) =>
    objectTypes.flatMap((objectType) => EVENT_ACTIONS.map((action) => eventName(source, objectType, action))),
  );
  return [...stytchStyle, ...JOB_EVENT_NAMES];
}
