import type { Router } from 'express';
import type { Container } from '../../container';
import { listEventsQuery, type ListEventsQuery } from '../../contracts/events';
import { requestCheck } from '../../api/validation';
import { AppError } from '../../errors';
import { Details, ErrorNote, NextPage, Table } from '../components';
import { textOf } from '../forms';
import { sendPage } from '../render';
import { sessionOf } from '../session';

/** The audit log's filters the console offers, with their labels. */
const FILTERS = [
  ['event_type', 'Event type (exact, or a prefix like scim.member.*)'],
  ['object_id', 'Object id'],
  ['actor_id', 'Actor id'],
  ['source', 'Source (DIRECT, DASHBOARD, SCIM, MIGRATION, SYSTEM)'],
] as const;

/** The API's rules for the audit log's query (GET /v1/b2b/events). */
const checkQuery = requestCheck({ query: listEventsQuery });

/** The audit log: who did what, when, from where. */
export function eventPages(router: Router, container: Container): void {
  router.get('/events', async (req, res) => {
    const { project } = sessionOf(res);
    const query: Record<string, string> = { limit: '50' };
    for (const name of [...FILTERS.map(([n]) => n), 'cursor']) {
      const value = textOf(req.query, name).trim();
      if (value !== '') query[name] = value;
    }
    let error: string | undefined;
    let page = { events: [] as Awaited<ReturnType<typeof container.eventQuery.list>>['events'], nextCursor: null as string | null };
    try {
      const refused = checkQuery({ query });
      if (refused) throw refused;
      page = await container.eventQuery.list(project, query as ListEventsQuery);
    } catch (err) {
      if (!(err instanceof AppError) || err.statusCode !== 400) throw err;
      error = err.message;
    }
    const { cursor: _cursor, limit: _limit, ...filters } = query;
    sendPage(
      res,
      { title: 'Events', section: 'events', status: error ? 400 : 200 },
      <>
        <form method="get" action="/admin/events" class="search" role="search">
          <ErrorNote message={error} />
          {FILTERS.map(([name, label]) => (
            <>
              <label for={name}>{label}</label>
              <input id={name} name={name} value={filters[name] ?? ''} spellcheck={false} />
            </>
          ))}
          <button type="submit">Filter</button>
        </form>
        <Table
          caption="Events, newest first"
          empty="No events."
          rows={page.events}
          columns={[
            ['Time', (e) => e.timestamp],
            ['Event', (e) => <a href={`/admin/events/${e.event_id}`}>{e.name}</a>],
            ['Object', (e) => <span class="mono">{e.object_id}</span>],
            ['Actor', (e) => `${e.actor.type}${e.actor.id ? ` ${e.actor.id}` : ''}`],
          ]}
        />
        <NextPage path="/admin/events" query={filters} cursor={page.nextCursor} />
      </>,
    );
  });

  router.get('/events/:event_id', async (req, res) => {
    const { project } = sessionOf(res);
    const event = await container.eventQuery.get(project, req.params.event_id as string);
    sendPage(
      res,
      { title: event.name, section: 'events' },
      <>
        <Details
          rows={[
            ['Event id', <span class="mono">{event.event_id}</span>],
            ['Time', event.timestamp],
            ['Source', event.source],
            ['Action', event.action],
            ['Object', <span class="mono">{`${event.object_type} ${event.object_id}`}</span>],
            [
              'Organization',
              event.organization_id && <a href={`/admin/organizations/${event.organization_id}`}>{event.organization_id}</a>,
            ],
            ['Actor', `${event.actor.type}${event.actor.id ? ` ${event.actor.id}` : ''}`],
          ]}
        />
        <h2>Payload (as webhooks deliver it)</h2>
        <pre class="payload">{JSON.stringify(event.payload, null, 2)}</pre>
      </>,
    );
  });
}
