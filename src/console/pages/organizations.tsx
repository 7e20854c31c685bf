import type { Request, Response, Router } from 'express';
import type { Container } from '../../container';
import { updateOrganizationBody, type UpdateOrganizationInput } from '../../contracts/organizations';
import { AppError } from '../../errors';
import { presentMember } from '../../api/presenters/member.presenter';
import { presentOrganization } from '../../api/presenters/organization.presenter';
import { requestCheck } from '../../api/validation';
import type { OrganizationWire } from '../../contracts/organizations';
import { CsrfField, Details, ErrorNote, NextPage, Notice, Table } from '../components';
import { fuzzyQuery, listingQuery, PAGE_SIZE, textOf } from '../forms';
import { sendPage, seeOther } from '../render';
import { sessionOf } from '../session';

/** The settings the console edits, with the choices the API accepts. */
const CHOICES = {
  email_jit_provisioning: ['NOT_ALLOWED', 'RESTRICTED'],
  email_invites: ['ALL_ALLOWED', 'RESTRICTED', 'NOT_ALLOWED'],
  mfa_policy: ['OPTIONAL', 'REQUIRED_FOR_ALL'],
} as const;

/** The same schema as PUT /v1/b2b/organizations/:organization_id: the console refuses what the API refuses, with its words. */
const checkUpdate = requestCheck({ body: updateOrganizationBody });

/** The settings form's fields as an update: every field the form shows, domains one per line or comma-separated. */
function updateFrom(body: unknown): Record<string, unknown> {
  const domains = textOf(body, 'email_allowed_domains')
    .split(/[\s,]+/)
    .filter((d) => d !== '');
  return {
    organization_name: textOf(body, 'organization_name'),
    organization_slug: textOf(body, 'organization_slug'),
    email_allowed_domains: domains,
    email_jit_provisioning: textOf(body, 'email_jit_provisioning'),
    email_invites: textOf(body, 'email_invites'),
    mfa_policy: textOf(body, 'mfa_policy'),
  };
}

function Select(props: { name: keyof typeof CHOICES; label: string; value: string }) {
  return (
    <>
      <label for={props.name}>{props.label}</label>
      <select id={props.name} name={props.name}>
        {CHOICES[props.name].map((choice) => (
          <option value={choice} selected={choice === props.value}>
            {choice}
          </option>
        ))}
      </select>
    </>
  );
}

function SettingsForm(props: { organization: OrganizationWire; values: Record<string, unknown>; csrfToken: string; error?: string }) {
  const v = (name: string) => props.values[name] as string;
  return (
    <form method="post" action={`/admin/organizations/${props.organization.organization_id}`} class="settings" aria-labelledby="settings">
      <h2 id="settings">Settings</h2>
      <ErrorNote message={props.error} />
      <CsrfField token={props.csrfToken} />
      <label for="organization_name">Name</label>
      <input id="organization_name" name="organization_name" value={v('organization_name')} required />
      <label for="organization_slug">Slug</label>
      <input id="organization_slug" name="organization_slug" value={v('organization_slug')} required spellcheck={false} />
      <label for="email_allowed_domains">Allowed email domains</label>
      <textarea id="email_allowed_domains" name="email_allowed_domains" rows={3} aria-describedby="domains-hint" spellcheck={false}>
        {(props.values.email_allowed_domains as string[]).join('\n')}
      </textarea>
      <p id="domains-hint" class="hint">
        One per line. Email JIT provisioning and restricted invites admit these domains.
      </p>
      <Select name="email_jit_provisioning" label="Email JIT provisioning" value={v('email_jit_provisioning')} />
      <Select name="email_invites" label="Email invites" value={v('email_invites')} />
      <Select name="mfa_policy" label="MFA policy" value={v('mfa_policy')} />
      <button type="submit">Save settings</button>
    </form>
  );
}

/** Organizations: search, detail with settings and members. */
export function organizationPages(router: Router, container: Container): void {
  router.get('/organizations', async (req, res) => {
    const { project } = sessionOf(res);
    const { q, cursor } = listingQuery(req);
    const page = await container.organizations.search(project, {
      query: fuzzyQuery(q, ['organization_name_fuzzy', 'organization_slug_fuzzy']),
      cursor,
      limit: PAGE_SIZE,
    });
    sendPage(
      res,
      { title: 'Organizations', section: 'organizations' },
      <>
        <form method="get" action="/admin/organizations" class="search" role="search">
          <label for="q">Name or slug contains</label>
          <input id="q" name="q" type="search" value={q} />
          <button type="submit">Search</button>
        </form>
        <p>{`${page.total.toLocaleString('en-US')} organization(s)`}</p>
        <Table
          caption="Organizations"
          empty="No organization matches."
          rows={page.organizations.map((o) => presentOrganization(project.env, o))}
          columns={[
            ['Name', (o) => <a href={`/admin/organizations/${o.organization_id}`}>{o.organization_name}</a>],
            ['Slug', (o) => o.organization_slug],
            ['Organization id', (o) => <span class="mono">{o.organization_id}</span>],
            ['Created', (o) => o.created_at],
          ]}
        />
        <NextPage path="/admin/organizations" query={{ q }} cursor={page.nextCursor} />
      </>,
    );
  });

  async function detailPage(req: Request, res: Response, form?: { values: Record<string, unknown>; error: string }): Promise<void> {
    const { project, csrfToken } = sessionOf(res);
    const organization = presentOrganization(project.env, await container.organizations.get(project, req.params.organization_id as string));
    const { q, cursor } = listingQuery(req);
    const members = await container.members.search(project, {
      organization_ids: [organization.organization_id],
      query: fuzzyQuery(q, ['member_email_fuzzy']),
      cursor,
      limit: PAGE_SIZE,
    });
    sendPage(
      res,
      { title: organization.organization_name, section: 'organizations', status: form ? 400 : 200 },
      <>
        <Notice message={textOf(req.query, 'saved') === '1' ? 'Settings saved.' : undefined} />
        <Details
          rows={[
            ['Organization id', <span class="mono">{organization.organization_id}</span>],
            ['Slug', organization.organization_slug],
            ['Created', organization.created_at],
            ['Updated', organization.updated_at],
          ]}
        />
        <SettingsForm organization={organization} values={form?.values ?? organization} csrfToken={csrfToken} error={form?.error} />
        <h2 id="members">Members</h2>
        <form method="get" action={`/admin/organizations/${organization.organization_id}`} class="search" role="search">
          <label for="q">Email contains</label>
          <input id="q" name="q" type="search" value={q} />
          <button type="submit">Search members</button>
        </form>
        <Table
          caption={`Members of ${organization.organization_name} (${members.total})`}
          empty="No member matches."
          rows={members.members.map((m) => presentMember(project.env, m))}
          columns={[
            ['Email', (m) => <a href={`/admin/members/${m.member_id}`}>{m.email_address}</a>],
            ['Name', (m) => m.name],
            ['Status', (m) => m.status],
            ['Roles', (m) => m.roles.map((r) => r.role_id).join(', ')],
          ]}
        />
        <NextPage path={`/admin/organizations/${organization.organization_id}`} query={{ q }} cursor={members.nextCursor} />
      </>,
    );
  }

  router.get('/organizations/:organization_id', (req, res) => detailPage(req, res));

  router.post('/organizations/:organization_id', async (req, res) => {
    const { project } = sessionOf(res);
    const values = updateFrom(req.body);
    try {
      const refused = checkUpdate({ body: values });
      if (refused) throw refused;
      await container.organizations.update(project, req.params.organization_id as string, values as UpdateOrganizationInput);
    } catch (err) {
      if (!(err instanceof AppError) || err.statusCode !== 400) throw err;
      return detailPage(req, res, { values, error: err.message });
    }
    seeOther(res, `/admin/organizations/${req.params.organization_id}?saved=1`);
  });
}
