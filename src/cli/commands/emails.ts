import { Command, Option } from 'commander';
import { B2B } from '../../contracts/common';
import { EMAIL_STATUSES } from '../../contracts/emails';
import type { CliContext } from '../context';
import { pageSummary, table } from '../format';
import { action, cursorOption, jsonOption, limitOption } from '../options';

/** An email as GET /v1/b2b/emails lists it. */
interface EmailView {
  email_id: string;
  to: string;
  subject: string;
  kind: string;
  status: string;
  transport: string;
  link: string | null;
  code: string | null;
  created_at: string;
  sent_at: string | null;
}

interface EmailPage {
  emails: EmailView[];
  results_metadata: { total: number; next_cursor: string | null };
}

/** `emails list`: what Roster sent, or (without SMTP_URL) captured in its dev outbox, with the links and one-time passcodes. */
export function registerEmails(program: Command, ctx: CliContext): void {
  const emails = program.command('emails').description("the project's emails: the dev outbox's links, or what SMTP was sent");

  emails
    .command('list')
    .description('list emails, newest first, with the link (or one-time passcode) each carries')
    .addOption(new Option('--status <status>', 'only emails in this status (captured: kept by the dev outbox)').choices(EMAIL_STATUSES))
    .option('--to <address>', 'only emails to this address')
    .addOption(limitOption())
    .addOption(cursorOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample (the invite link sent to Ada, without SMTP_URL):\n  roster emails list --to ada@acme.com --limit 1')
    .action(
      action(ctx, async (options: { status?: string; to?: string; limit?: number; cursor?: string; json?: boolean }) => {
        const page = await ctx.api().get<EmailPage>(`${B2B}/emails`, {
          status: options.status,
          to: options.to,
          limit: options.limit,
          cursor: options.cursor,
        });
        if (options.json) return ctx.printJson(page);
        ctx.print(
          table(
            ['created_at', 'status', 'kind', 'to', 'subject', 'link/code'],
            page.emails.map((e) => [e.created_at, e.status, e.kind, e.to, e.subject, e.link ?? e.code]),
          ),
        );
        const { total, next_cursor } = page.results_metadata;
        ctx.note(pageSummary(page.emails.length, total, 'emails', next_cursor));
      }),
    );
}
