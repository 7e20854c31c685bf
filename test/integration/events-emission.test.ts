import { Secret, TOTP } from 'otpauth';
import { newSigningCertificate } from '../../src/services/sso/connections/certificates';
import { parseProjectId, uuidv7 } from '../../src/ids';
import type { EventRow as StoredEvent } from '../../src/repositories/event.repository';
import { useTestApp } from '../helpers/app';
import { createMember, createOrganization, stytchError, unique } from '../helpers/factories';
import { signInNewMember } from '../helpers/member-sessions';
import { loginByLink } from '../helpers/login';
import { csv, getJob, migrate, waitForJob } from '../helpers/migrations';
import { connectDirectory, oktaUser, SCIM_PATCH_OP, type ScimDirectory } from '../helpers/scim-users';
import { eventually } from '../helpers/eventually';
import { insertEndpoint } from '../helpers/webhook-receiver';

/**
 * Every change writes its event in the change's transaction, in Stytch's payload shape with the object exactly
 * as the API answered it; session creation writes none; bulk jobs write one summary event, and per-member
 * events only for an endpoint that names them.
 */
const ctx = useTestApp({}, { workers: true, smtp: true });
const client = () => ctx.client;
const knex = () => ctx.app.container.knex;

type EventRow = Omit<StoredEvent, 'payload'> & { payload: Record<string, any> };

/** The events of one object, oldest first. */
const eventsOf = (objectId: string): Promise<EventRow[]> => knex()('events').where({ object_id: objectId }).orderBy('id');
const namesOf = async (objectId: string) => (await eventsOf(objectId)).map((e) => e.name);

/** Stytch's event shape: the envelope, and the object under its type's key (none on DELETE). */
function expectStytchEvent(
  event: EventRow,
  expected: { name: string; action: string; objectType: string; source: string; id: string; object?: unknown },
): void {
  expect(event.name).toBe(expected.name);
  const { [expected.objectType]: object, ...envelope } = event.payload;
  expect(envelope).toEqual({
    action: expected.action,
    event_id: expect.stringMatching(/^event-test-[0-9a-f-]{36}$/),
    id: expected.id,
    object_type: expected.objectType,
    project_id: ctx.app.project.projectId,
    source: expected.source,
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    vertical: 'B2B',
  });
  if (expected.action === 'DELETE') expect(event.payload).not.toHaveProperty(expected.objectType);
  else expect(object).toEqual(expected.object);
}

/** The member's only event is the direct.member.create carrying the Member the API answered. */
async function expectOnlyDirectCreate(member: { member_id: string }): Promise<void> {
  const events = await eventsOf(member.member_id);
  expect(events).toHaveLength(1);
  expectStytchEvent(events[0], {
    name: 'direct.member.create',
    action: 'CREATE',
    objectType: 'member',
    source: 'DIRECT',
    id: member.member_id,
    object: member,
  });
}

describe('organization events', () => {
  it('create, update and delete each write one event with the Organization the API answered, from the API key', async () => {
    const created = await createOrganization(client(), { trusted_metadata: { tier: 'gold' } });
    const id = created.organization_id;
    const { organization: updated } = await client().organizations.update({ organization_id: id, organization_name: 'Renamed' });
    await client().organizations.delete({ organization_id: id });

    const events = await eventsOf(id);
    expect(events).toHaveLength(3);
    const base = { objectType: 'organization', source: 'DIRECT', id };
    expectStytchEvent(events[0], { ...base, name: 'direct.organization.create', action: 'CREATE', object: created });
    expectStytchEvent(events[1], { ...base, name: 'direct.organization.update', action: 'UPDATE', object: updated });
    expectStytchEvent(events[2], { ...base, name: 'direct.organization.delete', action: 'DELETE' });
    for (const event of events) {
      expect(event).toMatchObject({ source: 'DIRECT', actor_type: 'api_key', actor_id: ctx.app.project.projectId });
    }
  });

  it('a change that fails after its write leaves neither the change nor its event', async () => {
    // Fails the event's INSERT, which comes after the organization's in the same transaction.
    await knex().raw(`
      CREATE FUNCTION refuse_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->'organization'->>'organization_name' = 'refuse-my-event' THEN RAISE EXCEPTION 'refused'; END IF;
        RETURN NEW;
      END $$`);
    await knex().raw('CREATE TRIGGER refuse_marked_event AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_marked_event()');
    try {
      const slug = unique('refused');
      const error = await stytchError(createOrganization(client(), { organization_name: 'refuse-my-event', organization_slug: slug }));
      expect(error.status_code).toBe(500);
      expect(await knex()('organizations').where({ slug })).toEqual([]);
      expect(await knex()('events').whereRaw("payload->'organization'->>'organization_slug' = ?", [slug])).toEqual([]);
    } finally {
      await knex().raw('DROP TRIGGER refuse_marked_event ON events');
      await knex().raw('DROP FUNCTION refuse_marked_event()');
    }
  });
});

describe('member events', () => {
  it('create, update, delete and reactivate write events with the Member each call answered', async () => {
    const organization = await createOrganization(client());
    const organization_id = organization.organization_id;
    const created = await createMember(client(), organization_id, { name: 'Ada' });
    const id = created.member_id;
    const { member: updated } = await client().organizations.members.update({ organization_id, member_id: id, name: 'Ada L.' });
    await client().organizations.members.delete({ organization_id, member_id: id });
    const { member: reactivated } = await client().organizations.members.reactivate({ organization_id, member_id: id });

    const events = await eventsOf(id);
    expect(events.map((e) => e.name)).toEqual([
      'direct.member.create',
      'direct.member.update',
      'direct.member.delete',
      'direct.member.update',
    ]);
    const base = { objectType: 'member', source: 'DIRECT', id };
    expectStytchEvent(events[0], { ...base, name: 'direct.member.create', action: 'CREATE', object: created });
    expectStytchEvent(events[1], { ...base, name: 'direct.member.update', action: 'UPDATE', object: updated });
    expectStytchEvent(events[2], { ...base, name: 'direct.member.delete', action: 'DELETE' });
    expectStytchEvent(events[3], { ...base, name: 'direct.member.update', action: 'UPDATE', object: reactivated });
  });

  it('a create refused inside its transaction (duplicate email) leaves no event', async () => {
    const organization = await createOrganization(client());
    const email = `${unique('dup')}@acme.com`;
    await createMember(client(), organization.organization_id, { email_address: email });
    const before = await knex()('events').where({ organization_id: organization.organization_id.slice(-36) });
    const error = await stytchError(createMember(client(), organization.organization_id, { email_address: email }));
    expect(error.error_type).toBe('duplicate_member_email');
    const after = await knex()('events').where({ organization_id: organization.organization_id.slice(-36) });
    expect(after).toHaveLength(before.length);
  });

  it('10 concurrent updates of one member write exactly 10 events, each with the Member its call answered', async () => {
    const organization = await createOrganization(client());
    const member = await createMember(client(), organization.organization_id);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client().organizations.members.update({
          organization_id: organization.organization_id,
          member_id: member.member_id,
          untrusted_metadata: { [`k${i}`]: i },
        }),
      ),
    );
    const updates = (await eventsOf(member.member_id)).filter((e) => e.name === 'direct.member.update');
    expect(updates).toHaveLength(10);
    const shown = updates.map((e) => e.payload.member);
    for (const { member: answered } of answers) expect(shown).toContainEqual(answered);
  });

  it('a member created by magic-link JIT sign-up writes direct.member.create with the Member members.get shows', async () => {
    const organization = await createOrganization(client(), {
      email_jit_provisioning: 'RESTRICTED',
      email_allowed_domains: ['jit.example.com'],
    });
    const email = `${unique('jit')}@jit.example.com`;
    await client().magicLinks.email.loginOrSignup({ organization_id: organization.organization_id, email_address: email });
    const { member } = await client().organizations.members.get({ organization_id: organization.organization_id, email_address: email });
    await expectOnlyDirectCreate(member);
  });
});

describe('invites and sign-ins', () => {
  it('an invite writes direct.member.create with the Member it answered', async () => {
    const organization = await createOrganization(client());
    const { member } = await client().magicLinks.email.invite({
      organization_id: organization.organization_id,
      email_address: `${unique('invited')}@acme.com`,
    });
    await expectOnlyDirectCreate(member);
  });

  it("a pending member's first sign-in is a member update (active, verified); later sign-ins write no event", async () => {
    const organization = await createOrganization(client(), {
      email_jit_provisioning: 'RESTRICTED',
      email_allowed_domains: ['first.example.com'],
    });
    const email = `${unique('first')}@first.example.com`;
    const first = await loginByLink(ctx, organization.organization_id, email);
    expect(await namesOf(first.member_id)).toEqual(['direct.member.create', 'direct.member.update']);
    const [, activated] = await eventsOf(first.member_id);
    expect(activated.payload.member).toEqual(first.member);
    expect(first.member).toMatchObject({ status: 'active', email_address_verified: true });

    await loginByLink(ctx, organization.organization_id, email);
    expect(await namesOf(first.member_id)).toEqual(['direct.member.create', 'direct.member.update']);
  });

  it('a bulk invite writes its job events and no per-member event nobody subscribed to', async () => {
    const organization = await createOrganization(client());
    const invitees = Array.from({ length: 5 }, () => ({ email_address: `${unique('bulk')}@acme.com` }));
    const response = await ctx.app.http('POST', `/v1/b2b/organizations/${organization.organization_id}/invites`, {
      body: { invitees },
    });
    expect(response.status).toBe(202);
    const job = await waitForJob(ctx.app, response.body.job.job_id);
    expect(job.status).toBe('completed');
    expect(await namesOf(job.job_id)).toEqual(['job.queued', 'job.started', 'job.completed']);
    expect(await knex()('events').where({ organization_id: organization.organization_id.slice(-36), object_type: 'member' })).toEqual([]);
  });
});

describe('session events', () => {
  it('authenticating a session writes no event; revoking one writes direct.member_session.delete', async () => {
    const organization = await createOrganization(client());
    const signedIn = await signInNewMember(ctx, organization.organization_id);
    const total = async () => Number((await knex()('events').count({ n: '*' }).first())!.n);
    const before = await total();
    const { member_session } = await client().sessions.authenticate({ session_token: signedIn.token });
    await client().sessions.authenticate({ session_jwt: signedIn.jwt });
    expect(await total()).toBe(before);

    await client().sessions.revoke({ member_session_id: member_session.member_session_id });
    const events = await eventsOf(member_session.member_session_id);
    expect(events).toHaveLength(1);
    expectStytchEvent(events[0], {
      name: 'direct.member_session.delete',
      action: 'DELETE',
      objectType: 'member_session',
      source: 'DIRECT',
      id: member_session.member_session_id,
    });
  });

  it("deleting a member ends each of its sessions with an event, in the delete's transaction", async () => {
    const organization = await createOrganization(client());
    const signedIn = await signInNewMember(ctx, organization.organization_id);
    const { member_session } = await client().sessions.authenticate({ session_token: signedIn.token });
    await client().organizations.members.delete({ organization_id: organization.organization_id, member_id: signedIn.memberId });
    expect(await namesOf(member_session.member_session_id)).toEqual(['direct.member_session.delete']);
    expect(await namesOf(signedIn.memberId)).toContain('direct.member.delete');
  });
});

describe('SCIM events', () => {
  it('a SCIM user created then deactivated writes scim.member.* events from the SCIM connection', async () => {
    const organization = await createOrganization(client());
    const directory = await connectDirectory(ctx, organization.organization_id);
    const email = `${unique('scim')}@acme.com`;
    const created = await directory.request('POST', '/Users', oktaUser(email));
    expect(created.status).toBe(201);
    const { member } = await client().organizations.members.get({ organization_id: organization.organization_id, email_address: email });
    const deactivated = await directory.request('PATCH', `/Users/${created.body.id}`, {
      schemas: [SCIM_PATCH_OP],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deactivated.status).toBe(200);

    const events = await eventsOf(member.member_id);
    expect(events[0].name).toBe('scim.member.create');
    expect(events[0].payload.member).toEqual(expect.objectContaining({ member_id: member.member_id, email_address: email }));
    expect(events.map((e) => e.name)).toContain('scim.member.delete');
    for (const event of events) {
      expect(event).toMatchObject({ source: 'SCIM', actor_type: 'scim_connection', actor_id: directory.connectionId });
      expect(event.payload.source).toBe('SCIM');
    }
  });

  it('a SCIM connection created and deleted writes direct.scim_connection events, the token never in them', async () => {
    const organization = await createOrganization(client());
    const created = await client().scim.connection.create({ organization_id: organization.organization_id, display_name: 'Okta' });
    const { connection } = await client().scim.connection.get({ organization_id: organization.organization_id });
    const id = connection!.connection_id;
    await client().scim.connection.delete({ organization_id: organization.organization_id, connection_id: id });

    const events = await eventsOf(id);
    const base = { objectType: 'scim_connection', source: 'DIRECT', id };
    expect(events).toHaveLength(2);
    expectStytchEvent(events[0], { ...base, name: 'direct.scim_connection.create', action: 'CREATE', object: connection });
    expectStytchEvent(events[1], { ...base, name: 'direct.scim_connection.delete', action: 'DELETE' });
    expect(JSON.stringify(events[0].payload)).not.toContain(created.connection!.bearer_token);
  });
});

describe('SSO connection events', () => {
  it('OIDC and SAML connections created and deleted write events with the connection the API answered', async () => {
    const organization = await createOrganization(client());
    const organization_id = organization.organization_id;
    const { connection: oidc } = await client().sso.oidc.createConnection({ organization_id, display_name: 'OIDC' });
    const { connection: saml } = await client().sso.saml.createConnection({ organization_id, display_name: 'SAML' });
    await client().sso.deleteConnection({ organization_id, connection_id: oidc!.connection_id });
    await client().sso.deleteConnection({ organization_id, connection_id: saml!.connection_id });

    const oidcEvents = await eventsOf(oidc!.connection_id);
    expect(oidcEvents).toHaveLength(2);
    const oidcBase = { objectType: 'oidc_connection', source: 'DIRECT', id: oidc!.connection_id };
    expectStytchEvent(oidcEvents[0], { ...oidcBase, name: 'direct.oidc_connection.create', action: 'CREATE', object: oidc });
    expectStytchEvent(oidcEvents[1], { ...oidcBase, name: 'direct.oidc_connection.delete', action: 'DELETE' });

    const samlEvents = await eventsOf(saml!.connection_id);
    expect(samlEvents).toHaveLength(2);
    const samlBase = { objectType: 'saml_connection', source: 'DIRECT', id: saml!.connection_id };
    expectStytchEvent(samlEvents[0], { ...samlBase, name: 'direct.saml_connection.create', action: 'CREATE', object: saml });
    expectStytchEvent(samlEvents[1], { ...samlBase, name: 'direct.saml_connection.delete', action: 'DELETE' });
  });
});

describe("SCIM bulk jobs' per-member events (opt-in)", () => {
  const project = () => ({ id: parseProjectId(ctx.app.project.projectId)!.uuid, env: 'test' as const });

  /** Runs `work` with an enabled endpoint naming `eventTypes` (loopback: delivery refuses it, nothing leaves). */
  async function withEndpointNaming(eventTypes: string[], work: () => Promise<void>): Promise<void> {
    const endpoint = await insertEndpoint(knex(), project(), 'http://127.0.0.1:9/hook', { eventTypes });
    try {
      await work();
    } finally {
      await knex()('webhook_endpoints').where({ id: endpoint.id }).delete();
    }
  }

  const directoryUser = (email: string, name: string, active = true) => ({
    userName: email,
    externalId: `ext-${email}`,
    email,
    givenName: name.split(' ')[0],
    familyName: name.split(' ')[1],
    active,
  });

  async function reconcile(organizationId: string, directory: ScimDirectory, users: unknown[], dryRun = false) {
    const response = await ctx.app.http('POST', `/v1/b2b/scim/${organizationId}/connection/${directory.connectionId}/reconcile`, {
      body: { users, dry_run: dryRun },
    });
    expect(response.status).toBe(202);
    const job = await waitForJob(ctx.app, response.body.job.job_id);
    expect(job.status).toBe('completed');
    return job;
  }

  /** The member events a job wrote, oldest first. */
  const jobMemberEvents = (organizationId: string, actor: string | null): Promise<EventRow[]> =>
    knex()('events')
      .where({ organization_id: organizationId.slice(-36), object_type: 'member', actor_type: 'job', actor_id: actor })
      .orderBy('id');

  const memberOf = async (organization_id: string, email_address: string) =>
    (await client().organizations.members.get({ organization_id, email_address })).member;

  it('a reconcile that changes members writes only its job events when no endpoint names scim.member.*', async () => {
    const organization = await createOrganization(client());
    const organizationId = organization.organization_id;
    const directory = await connectDirectory(ctx, organizationId);
    const linda = await createMember(client(), organizationId, { email_address: `${unique('linda')}@acme.com`, name: 'Linda Old' });
    const ann = `${unique('ann')}@acme.com`;
    const first = await reconcile(organizationId, directory, [
      directoryUser(ann, 'Ann Lee'),
      directoryUser(linda.email_address, 'Linda New'),
    ]);
    expect(first.result).toMatchObject({ created: 1, linked: 1 });
    const second = await reconcile(organizationId, directory, [directoryUser(ann, 'Ann Ray')]);
    expect(second.result).toMatchObject({ updated: 1, deactivated: 1 });

    for (const job of [first, second]) {
      expect(await namesOf(job.job_id)).toEqual(['job.queued', 'job.started', 'job.completed']);
      expect(await jobMemberEvents(organizationId, job.job_id)).toEqual([]);
    }
    expect(await namesOf(linda.member_id)).toEqual(['direct.member.create']);
  });

  it('with an enabled endpoint naming scim.member.*, a reconcile writes one event per changed member with the Member', async () => {
    await withEndpointNaming(['scim.member.create', 'scim.member.update', 'scim.member.delete'], async () => {
      const organization = await createOrganization(client());
      const organizationId = organization.organization_id;
      const directory = await connectDirectory(ctx, organizationId);
      const linda = await createMember(client(), organizationId, { email_address: `${unique('linda')}@acme.com`, name: 'Linda Old' });
      const ann = `${unique('ann')}@acme.com`;
      const unchanged = `${unique('same')}@acme.com`;
      const users = [directoryUser(ann, 'Ann Lee'), directoryUser(linda.email_address, 'Linda New'), directoryUser(unchanged, 'Sam Same')];

      const dry = await reconcile(organizationId, directory, users, true);
      expect(dry.result).toMatchObject({ dry_run: true, created: 2, linked: 1 });
      expect(await jobMemberEvents(organizationId, dry.job_id)).toEqual([]);

      const first = await reconcile(organizationId, directory, users);
      const created = await memberOf(organizationId, ann);
      const linked = await memberOf(organizationId, linda.email_address);
      const same = await memberOf(organizationId, unchanged);
      const firstEvents = await jobMemberEvents(organizationId, first.job_id);
      expect(firstEvents.map((e) => [e.name, e.object_id])).toEqual([
        ['scim.member.create', created.member_id],
        ['scim.member.update', linked.member_id],
        ['scim.member.create', same.member_id],
      ]);
      const base = { objectType: 'member', source: 'SCIM' };
      expectStytchEvent(firstEvents[0], { ...base, name: 'scim.member.create', action: 'CREATE', id: created.member_id, object: created });
      expectStytchEvent(firstEvents[1], { ...base, name: 'scim.member.update', action: 'UPDATE', id: linked.member_id, object: linked });
      expect(linked.scim_registration).toBeDefined();
      for (const event of firstEvents) expect(event).toMatchObject({ source: 'SCIM', actor_type: 'job', actor_id: first.job_id });

      // Ann renamed, Sam unchanged, Linda no longer listed.
      const second = await reconcile(organizationId, directory, [directoryUser(ann, 'Ann Ray'), directoryUser(unchanged, 'Sam Same')]);
      expect(second.result).toMatchObject({ updated: 1, deactivated: 1, unchanged: 1 });
      const renamed = await memberOf(organizationId, ann);
      expect(renamed.name).toBe('Ann Ray');
      const secondEvents = await jobMemberEvents(organizationId, second.job_id);
      expect(secondEvents.map((e) => [e.name, e.object_id])).toEqual([
        ['scim.member.update', created.member_id],
        ['scim.member.delete', linked.member_id],
      ]);
      expectStytchEvent(secondEvents[0], { ...base, name: 'scim.member.update', action: 'UPDATE', id: created.member_id, object: renamed });
      expectStytchEvent(secondEvents[1], { ...base, name: 'scim.member.delete', action: 'DELETE', id: linked.member_id });
      expect((await namesOf(second.job_id)).filter((name) => name === 'job.completed')).toHaveLength(1);
    });
  });

  it('a group → role mapping change run by scim.roles-refresh writes scim.member.update only when an endpoint names it', async () => {
    const organization = await createOrganization(client());
    const organization_id = organization.organization_id;
    const directory = await connectDirectory(ctx, organization_id);
    const email = `${unique('grouped')}@acme.com`;
    const user = await directory.request('POST', '/Users', oktaUser(email));
    const group = await directory.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Admins',
      members: [{ value: user.body.id }],
    });
    expect(group.status).toBe(201);
    const { member_id } = await memberOf(organization_id, email);
    const mapRole = (roles: { group_id: string; role_id: string; group_name: string }[]) =>
      client().scim.connection.update({
        organization_id,
        connection_id: directory.connectionId,
        scim_group_implicit_role_assignments: roles,
      });
    const rolesReach = (has: boolean) =>
      eventually(async () => (await memberOf(organization_id, email)).roles.some((r) => r.role_id === 'stytch_admin') === has, {
        what: `stytch_admin ${has ? 'reaches' : 'leaves'} the member`,
      });

    await mapRole([{ group_id: group.body.id, role_id: 'stytch_admin', group_name: '' }]);
    await rolesReach(true);
    expect(await jobMemberEvents(organization_id, null)).toEqual([]);

    await withEndpointNaming(['scim.member.update'], async () => {
      await mapRole([]);
      await rolesReach(false);
      const member = await memberOf(organization_id, email);
      const events = await jobMemberEvents(organization_id, null);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ source: 'SCIM', actor_type: 'job', actor_id: null });
      expectStytchEvent(events[0], {
        name: 'scim.member.update',
        action: 'UPDATE',
        objectType: 'member',
        source: 'SCIM',
        id: member_id,
        object: member,
      });
    });
  });
});

describe('job events', () => {
  const rows = (organizationId: string, n: number) =>
    csv(
      ['organization_id', 'email_address'],
      Array.from({ length: n }, () => [organizationId, `${unique('imported')}@acme.com`]),
    );

  it('a migration of N rows writes one summary event per state (one job.completed) and no per-member event', async () => {
    const organization = await createOrganization(client());
    const job = await migrate(ctx.app, rows(organization.organization_id, 25));
    expect(job.status).toBe('completed');
    const events = await eventsOf(job.job_id);
    expect(events.map((e) => e.name)).toEqual(['job.queued', 'job.started', 'job.completed']);
    const completed = events[2];
    expect(completed).toMatchObject({ source: 'MIGRATION', actor_type: 'job', actor_id: job.job_id });
    expectStytchEvent(completed, {
      name: 'job.completed',
      action: 'UPDATE',
      objectType: 'job',
      source: 'MIGRATION',
      id: job.job_id,
      object: await getJob(ctx.app, job.job_id),
    });
    const perMember = await knex()('events')
      .where({ organization_id: organization.organization_id.slice(-36) })
      .whereLike('name', 'migration.%');
    expect(perMember).toEqual([]);
    const memberEvents = await knex()('events').where({ organization_id: organization.organization_id.slice(-36), object_type: 'member' });
    expect(memberEvents).toEqual([]);
  });

  it('with an enabled endpoint naming migration.member.create, a migration writes one per member, with the Member', async () => {
    const endpointId = uuidv7();
    await knex()('webhook_endpoints').insert({
      id: endpointId,
      project_id: parseProjectId(ctx.app.project.projectId)!.uuid,
      // Loopback: refused by delivery (no private addresses in tests), so nothing leaves the machine.
      url: 'http://127.0.0.1:9/hook',
      event_types: ['migration.member.create'],
    });
    try {
      const organization = await createOrganization(client());
      const job = await migrate(ctx.app, rows(organization.organization_id, 25));
      expect(job.status).toBe('completed');
      const events: EventRow[] = await knex()('events')
        .where({ organization_id: organization.organization_id.slice(-36), object_type: 'member' })
        .orderBy('id');
      expect(events).toHaveLength(25);
      expect(new Set(events.map((e) => e.object_id)).size).toBe(25);
      for (const event of events)
        expect(event).toMatchObject({ name: 'migration.member.create', source: 'MIGRATION', actor_id: job.job_id });
      const { member } = await client().organizations.members.get({
        organization_id: organization.organization_id,
        member_id: events[0].object_id,
      });
      expectStytchEvent(events[0], {
        name: 'migration.member.create',
        action: 'CREATE',
        objectType: 'member',
        source: 'MIGRATION',
        id: member.member_id,
        object: member,
      });
      // Still one summary event for the job.
      expect((await namesOf(job.job_id)).filter((name) => name === 'job.completed')).toHaveLength(1);
    } finally {
      await knex()('webhook_endpoints').where({ id: endpointId }).delete();
    }
  });

  it("a merge writes its job events and ends the duplicate's sessions, with no per-member update nobody subscribed to", async () => {
    const organization = await createOrganization(client());
    const primary = await createMember(client(), organization.organization_id);
    const duplicate = await signInNewMember(ctx, organization.organization_id);
    const { member_session } = await client().sessions.authenticate({ session_token: duplicate.token });
    const response = await ctx.app.http('POST', `/v1/b2b/organizations/${organization.organization_id}/members/merge`, {
      body: { primary_member_id: primary.member_id, duplicate_member_ids: [duplicate.memberId] },
    });
    expect(response.status).toBe(202);
    const job = await waitForJob(ctx.app, response.body.job.job_id);
    expect(job.status).toBe('completed');
    expect(await namesOf(job.job_id)).toEqual(['job.queued', 'job.started', 'job.completed']);
    const [ended] = await eventsOf(member_session.member_session_id);
    expect(ended).toMatchObject({ name: 'migration.member_session.delete', actor_type: 'job', actor_id: job.job_id });
    expect(await namesOf(primary.member_id)).toEqual(['direct.member.create']);
  });

  it('a disabled endpoint naming migration.member.create does not make a migration write them', async () => {
    const endpointId = uuidv7();
    await knex()('webhook_endpoints').insert({
      id: endpointId,
      project_id: parseProjectId(ctx.app.project.projectId)!.uuid,
      url: 'http://127.0.0.1:9/hook',
      event_types: ['migration.member.create'],
      status: 'disabled',
    });
    try {
      const organization = await createOrganization(client());
      const job = await migrate(ctx.app, rows(organization.organization_id, 5));
      expect(job.status).toBe('completed');
      expect(await knex()('events').where({ organization_id: organization.organization_id.slice(-36), object_type: 'member' })).toEqual([]);
    } finally {
      await knex()('webhook_endpoints').where({ id: endpointId }).delete();
    }
  });
});

describe('MFA factor events', () => {
  /** The member as members.get answers it now. */
  const memberNow = async (organization_id: string, member_id: string) =>
    (await client().organizations.members.get({ organization_id, member_id })).member;

  it('a migrated TOTP links the member: one direct.member.update with the Member members.get answers', async () => {
    const organization = await createOrganization(client());
    const member = await createMember(client(), organization.organization_id);
    const secret = new Secret({ size: 20 }).base32;
    await client().totps.migrate({
      organization_id: organization.organization_id,
      member_id: member.member_id,
      secret,
      recovery_codes: [],
    });
    const events = await eventsOf(member.member_id);
    expect(events.map((e) => e.name)).toEqual(['direct.member.create', 'direct.member.update']);
    const now = await memberNow(organization.organization_id, member.member_id);
    expect(now.totp_registration_id).not.toBe('');
    expect(events[1].payload.member).toEqual(now);
  });

  it('a pending TOTP changes no Member (no event); its first code verifies it (one update); a later sign-in writes none', async () => {
    const organization = await createOrganization(client(), {
      email_jit_provisioning: 'RESTRICTED',
      email_allowed_domains: ['totp.example.com'],
    });
    const email = `${unique('totp')}@totp.example.com`;
    const signedIn = await loginByLink(ctx, organization.organization_id, email, { session_duration_minutes: 60 });
    const ids = { organization_id: organization.organization_id, member_id: signedIn.member_id };
    const before = await namesOf(signedIn.member_id);
    const { secret } = await client().totps.create(ids);
    expect(await namesOf(signedIn.member_id)).toEqual(before);

    const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
    await client().totps.authenticate({ ...ids, code, session_token: signedIn.session_token });
    const events = await eventsOf(signedIn.member_id);
    expect(events.map((e) => e.name)).toEqual([...before, 'direct.member.update']);
    const now = await memberNow(organization.organization_id, signedIn.member_id);
    expect(now).toMatchObject({ default_mfa_method: 'totp', totp_registration_id: expect.stringMatching(/^member-totp-test-/) });
    expect(events[events.length - 1].payload.member).toEqual(now);

    await loginByLink(ctx, organization.organization_id, email);
    expect(await namesOf(signedIn.member_id)).toEqual([...before, 'direct.member.update']);
  });

  it('otps.sms.send giving the member its number writes a direct.member.update with the Member it answered', async () => {
    const organization = await createOrganization(client());
    const member = await createMember(client(), organization.organization_id);
    const number = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const sent = await client().otps.sms.send({
      organization_id: organization.organization_id,
      member_id: member.member_id,
      mfa_phone_number: number,
    });
    const events = await eventsOf(member.member_id);
    expect(events.map((e) => e.name)).toEqual(['direct.member.create', 'direct.member.update']);
    expect(events[1].payload.member).toEqual(sent.member);
    expect(sent.member).toMatchObject({ mfa_phone_number: number, mfa_phone_number_verified: false });
  });
});

describe('side effects recorded as events', () => {
  it('members.update reads the Member once for its answer and its event', async () => {
    const organization = await createOrganization(client());
    const member = await createMember(client(), organization.organization_id);
    const reads: string[] = [];
    const onQuery = (query: { sql: string }) => {
      if (/from "member_retired_emails"/i.test(query.sql)) reads.push(query.sql);
    };
    knex().on('query', onQuery);
    try {
      await client().organizations.members.update({
        organization_id: organization.organization_id,
        member_id: member.member_id,
        name: 'Once',
      });
    } finally {
      knex().off('query', onQuery);
    }
    expect(reads).toHaveLength(1);
  });

  it('job.queued is credited to the caller that started the job; later job events to the job', async () => {
    const organization = await createOrganization(client());
    const response = await ctx.app.http('POST', `/v1/b2b/organizations/${organization.organization_id}/invites`, {
      body: { invitees: [{ email_address: `${unique('credited')}@acme.com` }] },
    });
    const job = await waitForJob(ctx.app, response.body.job.job_id);
    const [queued, ...later] = await eventsOf(job.job_id);
    expect(queued).toMatchObject({ name: 'job.queued', source: 'DIRECT', actor_type: 'api_key', actor_id: ctx.app.project.projectId });
    expect(later.map((e) => e.name)).toEqual(['job.started', 'job.completed']);
    for (const event of later) expect(event).toMatchObject({ source: 'MIGRATION', actor_type: 'job', actor_id: job.job_id });
  });

  it("a SCIM-created member's scim.member.create carries the Member with its scim_registration, as members.get answers it", async () => {
    const organization = await createOrganization(client());
    const directory = await connectDirectory(ctx, organization.organization_id);
    const email = `${unique('registered')}@acme.com`;
    expect((await directory.request('POST', '/Users', oktaUser(email))).status).toBe(201);
    const { member } = await client().organizations.members.get({ organization_id: organization.organization_id, email_address: email });
    expect(member.scim_registration).toBeDefined();
    const events = await eventsOf(member.member_id);
    expect(events.map((e) => e.name)).toEqual(['scim.member.create']);
    expect(events[0].payload.member).toEqual(member);
  });

  it("a SCIM user linking an existing member records the member's update with its new scim_registration", async () => {
    const organization = await createOrganization(client());
    const existing = await createMember(client(), organization.organization_id);
    const directory = await connectDirectory(ctx, organization.organization_id);
    expect((await directory.request('POST', '/Users', oktaUser(existing.email_address, { name: undefined }))).status).toBe(201);
    const { member } = await client().organizations.members.get({
      organization_id: organization.organization_id,
      member_id: existing.member_id,
    });
    const events = await eventsOf(member.member_id);
    expect(events[0].name).toBe('direct.member.create');
    expect(events[events.length - 1]).toMatchObject({ name: 'scim.member.update', actor_type: 'scim_connection' });
    expect(events[events.length - 1].payload.member).toEqual(member);
  });

  it("a SCIM connection created, rotated and deleted records its organization's update each time its scim_active_connection changes", async () => {
    const organization = await createOrganization(client());
    const organization_id = organization.organization_id;
    await client().scim.connection.create({ organization_id, display_name: 'Okta' });
    const { organization: withConnection } = await client().organizations.get({ organization_id });
    const connection_id = withConnection.scim_active_connection!.connection_id;
    await client().scim.connection.rotateStart({ organization_id, connection_id });
    // The next token is not shown by the organization: no organization event.
    expect((await eventsOf(organization_id)).map((e) => e.name)).toEqual(['direct.organization.create', 'direct.organization.update']);
    await client().scim.connection.rotateComplete({ organization_id, connection_id });
    const { organization: rotated } = await client().organizations.get({ organization_id });
    await client().scim.connection.delete({ organization_id, connection_id });
    const { organization: without } = await client().organizations.get({ organization_id });

    const events = await eventsOf(organization_id);
    expect(events.map((e) => e.name)).toEqual([
      'direct.organization.create',
      'direct.organization.update',
      'direct.organization.update',
      'direct.organization.update',
    ]);
    expect(events[1].payload.organization).toEqual(withConnection);
    expect(events[2].payload.organization).toEqual(rotated);
    expect(events[3].payload.organization).toEqual(without);
  });

  it('a SCIM group granting a role: adding a member writes its scim.member.update with the role, in the request', async () => {
    const organization = await createOrganization(client());
    const organization_id = organization.organization_id;
    const directory = await connectDirectory(ctx, organization_id);
    const email = `${unique('grouped')}@acme.com`;
    const user = await directory.request('POST', '/Users', oktaUser(email));
    const group = await directory.request('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Admins',
    });
    expect(group.status).toBe(201);
    await client().scim.connection.update({
      organization_id,
      connection_id: directory.connectionId,
      scim_group_implicit_role_assignments: [{ group_id: group.body.id, role_id: 'stytch_admin', group_name: '' }],
    });
    const { member: before } = await client().organizations.members.get({ organization_id, email_address: email });
    const beforeNames = await namesOf(before.member_id);

    const patched = await directory.request('PATCH', `/Groups/${group.body.id}`, {
      schemas: [SCIM_PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }],
    });
    expect(patched.status).toBeLessThan(300);
    const { member } = await client().organizations.members.get({ organization_id, email_address: email });
    expect(member.roles.map((r) => r.role_id)).toContain('stytch_admin');
    const events = await eventsOf(member.member_id);
    expect(events.map((e) => e.name)).toEqual([...beforeNames, 'scim.member.update']);
    expect(events[events.length - 1]).toMatchObject({ actor_type: 'scim_connection', actor_id: directory.connectionId });
    expect(events[events.length - 1].payload.member).toEqual(member);
  });

  it('a migration creating organizations writes migration.organization.create for each, always, with the Organization', async () => {
    const slug = unique('migrated-org');
    const job = await migrate(ctx.app, csv(['organization_slug', 'email_address'], [[slug, `${unique('m')}@acme.com`]]), {
      create_organizations: 'true',
    });
    expect(job.status).toBe('completed');
    const { organization } = await client().organizations.get({ organization_id: slug });
    const events = await eventsOf(organization.organization_id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'MIGRATION', actor_type: 'job', actor_id: job.job_id });
    expectStytchEvent(events[0], {
      name: 'migration.organization.create',
      action: 'CREATE',
      objectType: 'organization',
      source: 'MIGRATION',
      id: organization.organization_id,
      object: organization,
    });
  });
});

describe('organization events of SSO connection changes', () => {
  it('a SAML connection becoming active, then deleted, records the organization each time its default and active connections change', async () => {
    const organization = await createOrganization(client());
    const organization_id = organization.organization_id;
    const { connection } = await client().sso.saml.createConnection({ organization_id, display_name: 'SAML' });
    // A pending connection is not shown by the organization: no organization event.
    expect(await namesOf(organization_id)).toEqual(['direct.organization.create']);
    const x509_certificate = (await newSigningCertificate('Events IdP')).certificate;
    await client().sso.saml.updateConnection({
      organization_id,
      connection_id: connection!.connection_id,
      idp_entity_id: 'https://idp.example.com/entity',
      idp_sso_url: 'https://idp.example.com/sso',
      x509_certificate,
    });
    const { organization: active } = await client().organizations.get({ organization_id });
    expect(active.sso_default_connection_id).toBe(connection!.connection_id);
    await client().sso.deleteConnection({ organization_id, connection_id: connection!.connection_id });
    const { organization: without } = await client().organizations.get({ organization_id });

    const events = await eventsOf(organization_id);
    expect(events.map((e) => e.name)).toEqual(['direct.organization.create', 'direct.organization.update', 'direct.organization.update']);
    expect(events[1].payload.organization).toEqual(active);
    expect(events[2].payload.organization).toEqual(without);
  });
});
