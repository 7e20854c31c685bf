import type { Router } from 'express';
import type { Container } from '../../container';
import { presentEmail } from '../../api/presenters/email.presenter';
import { NextPage, Table } from '../components';
import { listingQuery, PAGE_SIZE } from '../forms';
import { sendPage } from '../render';
import { sessionOf } from '../session';

/** The project's emails, newest first: the dev outbox's captured links and codes included. */
export function emailPages(router: Router, container: Container): void {
  router.get('/emails', async (req, res) => {
    const { project } = sessionOf(res);
    const { q, cursor } = listingQuery(req);
    const page = await container.emailListing.list(project, { to: q === '' ? undefined : q, cursor, limit: String(PAGE_SIZE) });
    sendPage(
      res,
      { title: 'Emails', section: 'emails' },
      <>
        <form method="get" action="/admin/emails" class="search" role="search">
          <label for="q">Sent to (exact address)</label>
          <input id="q" name="q" type="email" value={q} />
          <button type="submit">Filter</button>
        </form>
        <p>{`${page.total.toLocaleString('en-US')} email(s), newest first`}</p>
        <Table
          caption="Emails"
          empty="No emails."
          rows={page.emails.map((email) => presentEmail(project.env, email))}
          columns={[
            ['To', (e) => e.to],
            ['Subject', (e) => e.subject],
            ['Kind', (e) => e.kind],
            ['Status', (e) => e.status],
            ['Link or code', (e) => (e.link ? <a href={e.link}>{e.link}</a> : e.code ? <code>{e.code}</code> : '—')],
            ['Created', (e) => e.created_at],
          ]}
        />
        <NextPage path="/admin/emails" query={{ q }} cursor={page.nextCursor} />
      </>,
    );
  });
}
