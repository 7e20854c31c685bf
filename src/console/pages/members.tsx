import type { Response, Router } from 'express';
import type { Container } from '../../container';
import { presentMember } from '../../api/presenters/member.presenter';
import { presentSession } from '../../api/presenters/session.presenter';
import { memberNotFound, notFound } from '../../errors';
import { formatId } from '../../ids';
import type { MemberRecord } from '../../services/member.service';
import type { ProjectContext } from '../../services/project-context';
import { ActionButton, Details, NextPage, Notice, Table } from '../components';
import { fuzzyQuery, listingQuery, PAGE_SIZE, textOf } from '../forms';
import { sendPage, seeOther } from '../render';
import { sessionOf } from '../session';

/** Member search reads at most this many organizations at once (Stytch's limit on organization_ids). */
const ORGANIZATIONS_PER_SEARCH = 100;

/**
 * Members whose email contains `q`, in one organization or across the
 * project: the organizations holding such members first (organization
 * search's member filter), then the members of those organizations.
 */
async function searchMembers(container: Container, project: ProjectContext, q: string, organizationId: string, cursor: string | undefined) {
  const organizationRefs = organizationId
    ? [organizationId]
    : (
        await container.organizations.search(project, { query: fuzzyQuery(q, ['member_email_fuzzy']), limit: ORGANIZATIONS_PER_SEARCH })
      ).organizations.map((o) => formatId('organization', project.env, o.id));
  if (organizationRefs.length === 0) return { members: [] as MemberRecord[], total: 0, nextCursor: null };
  return container.members.search(project, {
    organization_ids: organizationRefs,
    query: fuzzyQuery(q, ['member_email_fuzzy']),
    cursor,
    limit: PAGE_SIZE,
  });
}

/** A member of the signed-in project (deleted ones too: they can be reactivated); another project's id is not found. */
const memberOf = (container: Container, project: ProjectContext, memberId: string) =>
  container.members.dangerouslyGet(project, memberId, true);

async function memberPage(container: Container, res: Response, memberId: string, notice: string | undefined): Promise<void> {
  const { project, csrfToken } = sessionOf(res);
  const record = await memberOf(container, project, memberId);
  const member = presentMember(project.env, record);
  const live = member.status !== 'deleted';
  const sessions = live ? (await container.sessions.list(project, record.organization, member.member_id)).sessions : [];
  const base = `/admin/members/${member.member_id}`;
  sendPage(
    res,
    { title: member.name || member.email_address, section: 'members' },
    <>
      <Notice message={notice} />
      <Details
        rows={[
          ['Member id', <span class="mono">{member.member_id}</span>],
          ['Email', member.email_address],
          ['Name', member.name],
          ['Status', <span class="status">{member.status}</span>],
          ['Organization', <a href={`/admin/organizations/${member.organization_id}`}>{record.organization.name}</a>],
          ['MFA enrolled', member.mfa_enrolled ? 'yes' : 'no'],
          ['Created', member.created_at],
        ]}
      />
      <div class="actions">
        {live ? (
          <ActionButton action={`${base}/delete`} csrfToken={csrfToken} label="Delete member" danger />
        ) : (
          <ActionButton action={`${base}/reactivate`} csrfToken={csrfToken} label="Reactivate member" />
        )}
      </div>
      <h2>Roles</h2>
      <Table
        caption="Roles and where they come from"
        empty="No roles."
        rows={member.roles}
        columns={[
          ['Role', (r) => r.role_id],
          ['Sources', (r) => r.sources.map((s) => s.type).join(', ')],
        ]}
      />
      <h2>Sessions</h2>
      {sessions.length > 0 && (
        <div class="actions">
          <ActionButton action={`${base}/sessions/revoke-all`} csrfToken={csrfToken} label="Revoke all sessions" danger />
        </div>
      )}
      <Table
        caption="Live sessions"
        empty="No live sessions."
        rows={sessions.map((session) => presentSession(project.env, { session, member: record.member, organization: record.organization }))}
        columns={[
          ['Session id', (s) => <span class="mono">{s.member_session_id}</span>],
          ['Started', (s) => s.started_at],
          ['Last used', (s) => s.last_accessed_at],
          ['Expires', (s) => s.expires_at],
          ['Factors', (s) => s.authentication_factors.map((f) => f.type).join(', ')],
          [
            'Action',
            (s) => <ActionButton action={`${base}/sessions/${s.member_session_id}/revoke`} csrfToken={csrfToken} label="Revoke" />,
          ],
        ]}
      />
    </>,
  );
}

const NOTICES: Record<string, string> = {
  revoked: 'Session revoked.',
  'revoked-all': 'All sessions revoked.',
  deleted: 'Member deleted.',
  reactivated: 'Member reactivated.',
};

/** Members: search across the project or one organization; detail with roles and sessions; revoke, delete, reactivate. */
export function memberPages(router: Router, container: Container): void {
  router.get('/members', async (req, res) => {
    const { project } = sessionOf(res);
    const { q, cursor } = listingQuery(req);
    const organizationId = textOf(req.query, 'organization_id').trim();
    const page = await searchMembers(container, project, q, organizationId, cursor);
    sendPage(
      res,
      { title: 'Members', section: 'members' },
      <>
        <form method="get" action="/admin/members" class="search" role="search">
          <label for="q">Email contains</label>
          <input id="q" name="q" type="search" value={q} />
          <label for="organization_id">In organization (id or slug; empty: the whole project)</label>
          <input id="organization_id" name="organization_id" value={organizationId} spellcheck={false} />
          <button type="submit">Search</button>
        </form>
        <p>{`${page.total.toLocaleString('en-US')} member(s)`}</p>
        <Table
          caption="Members"
          empty="No member matches."
          rows={page.members.map((m) => ({ wire: presentMember(project.env, m), organization: m.organization }))}
          columns={[
            ['Email', ({ wire }) => <a href={`/admin/members/${wire.member_id}`}>{wire.email_address}</a>],
            ['Name', ({ wire }) => wire.name],
            ['Status', ({ wire }) => wire.status],
            ['Organization', ({ wire, organization }) => <a href={`/admin/organizations/${wire.organization_id}`}>{organization.name}</a>],
          ]}
        />
        <NextPage path="/admin/members" query={{ q, organization_id: organizationId }} cursor={page.nextCursor} />
      </>,
    );
  });

  router.get('/members/:member_id', (req, res) =>
    memberPage(container, res, req.params.member_id as string, NOTICES[textOf(req.query, 'done')]),
  );

  /** An action on a member of this project, then back to its page with what happened. */
  const action = (
    path: string,
    done: string,
    act: (project: ProjectContext, record: MemberRecord, params: Record<string, string>) => Promise<unknown>,
  ) =>
    router.post(`/members/:member_id${path}`, async (req, res) => {
      const { project } = sessionOf(res);
      const params = req.params as Record<string, string>;
      const record = await memberOf(container, project, params.member_id);
      await act(project, record, params);
      seeOther(res, `/admin/members/${params.member_id}?done=${done}`);
    });

  action('/sessions/:session_id/revoke', 'revoked', async (project, record, { member_id, session_id }) => {
    // Only a session of this member: the URL names both.
    const { sessions } = await container.sessions.list(project, record.organization, member_id);
    if (!sessions.some((s) => formatId('member-session', project.env, s.id) === session_id)) {
      throw notFound('session_not_found', 'Session could not be found.');
    }
    await container.sessions.revoke(project, { member_session_id: session_id });
  });
  action('/sessions/revoke-all', 'revoked-all', (project, _record, { member_id }) => container.sessions.revoke(project, { member_id }));
  action('/delete', 'deleted', (project, record, { member_id }) => {
    if (record.member.status === 'deleted') throw memberNotFound();
    return container.members.delete(project, formatId('organization', project.env, record.organization.id), member_id);
  });
  action('/reactivate', 'reactivated', (project, record, { member_id }) =>
    container.members.reactivate(project, formatId('organization', project.env, record.organization.id), member_id),
  );
}
