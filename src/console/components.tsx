import type { ComponentChildren } from 'preact';

/** The console's sections, in navigation order: key → label and path. */
export const NAV = [
  { key: 'overview', label: 'Overview', path: '/admin' },
  { key: 'organizations', label: 'Organizations', path: '/admin/organizations' },
  { key: 'members', label: 'Members', path: '/admin/members' },
  { key: 'jobs', label: 'Jobs', path: '/admin/jobs' },
  { key: 'emails', label: 'Emails', path: '/admin/emails' },
  { key: 'webhooks', label: 'Webhooks', path: '/admin/webhooks' },
  { key: 'events', label: 'Events', path: '/admin/events' },
] as const;
export type Section = (typeof NAV)[number]['key'] | 'sign-in';

/** The synchronizer token every state-changing form carries (see csrf.ts). */
export const CSRF_FIELD = 'csrf_token';
export const CSRF_HEADER = 'x-csrf-token';

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

/** A POST button in a form of its own: every action is a POST with the session's CSRF token. */
export function ActionButton(props: { action: string; csrfToken: string; label: string; danger?: boolean }) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrfToken} />
      <button type="submit" class={props.danger ? 'danger' : undefined}>
        {props.label}
      </button>
    </form>
  );
}

/** A problem with what was submitted, announced to screen readers. */
export function ErrorNote({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function Notice({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="notice" role="status">
      {message}
    </p>
  );
}

/** A label / value list (the details of one object). */
export function Details({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="details">
      {rows.map(([label, value]) => (
        <div>
          <dt>{label}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A table of rows with column headers; `empty` is shown when there are none. */
export function Table<T>(props: { caption: string; columns: [string, (row: T) => ComponentChildren][]; rows: T[]; empty: string }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <div class="table-scroll">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map(([name]) => (
              <th scope="col">{name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {props.columns.map(([, cell]) => (
                <td>{cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A link to the next page of a keyset listing, keeping the other query parameters. */
export function NextPage({ path, query, cursor }: { path: string; query: Record<string, string | undefined>; cursor: string | null }) {
  if (!cursor) return null;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, cursor })) if (value) params.set(key, value);
  return (
    <p>
      <a href={`${path}?${params}`}>Next page</a>
    </p>
  );
}

export function Layout(props: { title: string; section: Section; projectId?: string; csrfToken?: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* htmx would otherwise add an inline <style>, which the CSP refuses. */}
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
        <title>{`${props.title} · Roster console`}</title>
        {/* No favicon request (it would 404): an empty icon, which img-src 'self' data: allows. */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/admin/assets/console.css" />
        <script src="/admin/assets/htmx.min.js" defer></script>
      </head>
      <body hx-headers={props.csrfToken ? JSON.stringify({ [CSRF_HEADER]: props.csrfToken }) : undefined}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header>
          <p class="brand">Roster console</p>
          {props.projectId && props.csrfToken && (
            <>
              <nav aria-label="Sections">
                <ul>
                  {NAV.map((item) => (
                    <li>
                      <a href={item.path} aria-current={item.key === props.section ? 'page' : undefined}>
                        {item.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
              <div class="who">
                <span class="mono">{props.projectId}</span>
                <ActionButton action="/admin/sign-out" csrfToken={props.csrfToken} label="Sign out" />
              </div>
            </>
          )}
        </header>
        <main id="main" tabIndex={-1}>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
