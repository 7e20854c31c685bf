import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import { listEmails } from '../../contracts/emails';
import type { EmailListing } from '../../services/email/email-listing';
import { presentEmail } from '../presenters/email.presenter';
import { route, routerAt } from '../route';

/** Roster's email listing: the dev outbox's captured emails (with their links) and every email's delivery status. */
export function emailRoutes(emails: EmailListing): Router {
  const router = routerAt(B2B);
  route(router, listEmails, async (req) => {
    const page = await emails.list(req.project, req.query);
    return {
      emails: page.emails.map((email) => presentEmail(req.project.env, email)),
      results_metadata: { total: page.total, next_cursor: page.nextCursor },
    };
  });
  return router;
}
