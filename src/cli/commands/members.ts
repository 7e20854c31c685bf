import type { Command } from 'commander';
import { B2B } from '../../contracts/common';
import type { MemberWire } from '../../contracts/members';
import type { CliContext } from '../context';
import { fields, pageSummary, table } from '../format';
import { action, cursorOption, jsonOption, limitOption } from '../options';
import { orgPath } from './orgs';

interface MemberPage {
  members: MemberWire[];
  results_metadata: { total: number; next_cursor?: string };
}

const roles = (m: MemberWire) => m.roles.map((r) => r.role_id);

/** `members …`: an organization's members, through the API. */
export function registerMembers(program: Command, ctx: CliContext): void {
  const members = program.command('members').description("an organization's members (through the API)");

  members
    .command('list <organization>')
    .description('list the members of an organization (id, slug or external id), oldest first')
    .addOption(limitOption())
    .addOption(cursorOption())
    .addOption(jsonOption())
    .action(
      action(ctx, async (org: string, options: { limit?: number; cursor?: string; json?: boolean }) => {
        const page = await ctx.api().post<MemberPage>(`${B2B}/organizations/members/search`, {
          organization_ids: [org],
          limit: options.limit,
          cursor: options.cursor,
        });
        if (options.json) return ctx.printJson(page);
        ctx.print(
          table(
            ['member_id', 'email_address', 'name', 'status', 'roles'],
            page.members.map((m) => [m.member_id, m.email_address, m.name, m.status, roles(m)]),
          ),
        );
        const { total, next_cursor } = page.results_metadata;
        ctx.note(pageSummary(page.members.length, total, 'members', next_cursor));
      }),
    );

  members
    .command('get <organization> <member>')
    .description('show a member of an organization, by member_id or email address')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  roster members get acme ada@acme.com')
    .action(
      action(ctx, async (org: string, member: string, options: { json?: boolean }) => {
        const query = member.includes('@') ? { email_address: member } : { member_id: member };
        const answer = await ctx.api().get<{ member: MemberWire }>(`${orgPath(org)}/member`, query);
        if (options.json) return ctx.printJson(answer);
        const m = answer.member;
        ctx.print(
          fields([
            ['member_id', m.member_id],
            ['organization_id', m.organization_id],
            ['email_address', m.email_address],
            ['name', m.name],
            ['status', m.status],
            ['roles', roles(m)],
            ['email_address_verified', m.email_address_verified],
            ['is_breakglass', m.is_breakglass],
            ['external_id', m.external_id],
            ['created_at', m.created_at],
            ['updated_at', m.updated_at],
          ]),
        );
      }),
    );
}
