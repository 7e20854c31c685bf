import type { Knex } from 'knex';
import type { ListEmailsQuery } from '../../contracts/emails';
import { normalizeEmail } from '../../email-rules';
import type { EmailRepository, EmailStatus } from '../../repositories/email.repository';
import type { ProjectContext } from '../project-context';
import { checkLimit, decodeCursor, encodeCursor } from '../search-query';
import { subjectOf, type EmailKind } from './templates';

export interface ListedEmail {
  id: string;
  kind: EmailKind;
  to: string;
  subject: string;
  status: EmailStatus;
  transport: string | null;
  /** Only a captured (dev outbox) email has one. */
  link: string | null;
  /** The one-time passcode of a captured (dev outbox) code email. */
  code: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface EmailPage {
  emails: ListedEmail[];
  total: number;
  nextCursor: string | null;
}

/**
 * A project's emails, newest first: what the dev outbox captured (with the
 * links a developer follows, or the codes they type, instead of reading
 * logs) and how delivery went.
 */
export class EmailListing {
  constructor(
    private readonly knex: Knex,
    private readonly emails: EmailRepository,
  ) {}

  async list(project: ProjectContext, query: ListEmailsQuery): Promise<EmailPage> {
    const page = await this.emails.list(
      this.knex,
      project.id,
      { status: query.status, toNormalized: query.to === undefined ? undefined : normalizeEmail(query.to) },
      decodeCursor(query.cursor),
      checkLimit(query.limit === undefined ? undefined : Number(query.limit)),
    );
    return {
      emails: page.rows.map((row) => ({
        id: row.id,
        kind: row.kind,
        to: row.to_address,
        // An email not rendered yet has no stored subject: it will get the one its organization's
        // name gives (the project's name for a discovery email, which has no organization).
        subject: row.subject ?? subjectOf(row.kind, row.organization_name ?? row.project_name),
        status: row.status,
        transport: row.transport,
        link: row.link,
        code: row.code,
        createdAt: row.created_at,
        sentAt: row.sent_at,
      })),
      total: page.total,
      nextCursor: encodeCursor(page.nextAfterId),
    };
  }
}
