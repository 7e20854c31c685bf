import type { Command } from 'commander';
import { B2B } from '../../contracts/common';
import type { OrganizationWire } from '../../contracts/organizations';
import type { CliContext } from '../context';
import { fields, pageSummary, table } from '../format';
import { action, cursorOption, jsonOption, limitOption } from '../options';

interface OrganizationAnswer {
  organization: OrganizationWire;
}
interface OrganizationPage {
  organizations: OrganizationWire[];
  results_metadata: { total: number; next_cursor?: string };
}

export const orgPath = (org: string) => `${B2B}/organizations/${encodeURIComponent(org)}`;

function printOrganization(ctx: CliContext, answer: OrganizationAnswer, json: boolean | undefined): void {
  if (json) return ctx.printJson(answer);
  const o = answer.organization;
  ctx.print(
    fields([
      ['organization_id', o.organization_id],
      ['organization_name', o.organization_name],
      ['organization_slug', o.organization_slug],
      ['organization_external_id', o.organization_external_id],
      ['email_allowed_domains', o.email_allowed_domains],
      ['email_jit_provisioning', o.email_jit_provisioning],
      ['email_invites', o.email_invites],
      ['auth_methods', o.auth_methods],
      ['allowed_auth_methods', o.allowed_auth_methods],
      ['mfa_policy', o.mfa_policy],
      ['created_at', o.created_at],
      ['updated_at', o.updated_at],
    ]),
  );
}

/** `orgs …`: the project's organizations, through the API. */
export function registerOrgs(program: Command, ctx: CliContext): void {
  const orgs = program.command('orgs').description("the project's organizations (through the API)");

  orgs
    .command('list')
    .description('list organizations, oldest first (POST /v1/b2b/organizations/search)')
    .addOption(limitOption())
    .addOption(cursorOption())
    .addOption(jsonOption())
    .action(
      action(ctx, async (options: { limit?: number; cursor?: string; json?: boolean }) => {
        const page = await ctx.api().post<OrganizationPage>(`${B2B}/organizations/search`, {
          limit: options.limit,
          cursor: options.cursor,
        });
        if (options.json) return ctx.printJson(page);
        ctx.print(
          table(
            ['organization_id', 'organization_slug', 'organization_name'],
            page.organizations.map((o) => [o.organization_id, o.organization_slug, o.organization_name]),
          ),
        );
        const { total, next_cursor } = page.results_metadata;
        ctx.note(pageSummary(page.organizations.length, total, 'organizations', next_cursor));
      }),
    );

  orgs
    .command('get <organization>')
    .description('show an organization, named by id, slug or external id')
    .addOption(jsonOption())
    .action(
      action(ctx, async (org: string, options: { json?: boolean }) => {
        printOrganization(ctx, await ctx.api().get<OrganizationAnswer>(orgPath(org)), options.json);
      }),
    );

  orgs
    .command('create')
    .description('create an organization')
    .requiredOption('--name <name>', 'organization_name')
    .option('--slug <slug>', 'organization_slug (derived from the name if not given)')
    .option('--external-id <id>', 'organization_external_id')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  roster orgs create --name "Acme Corp" --slug acme')
    .action(
      action(ctx, async (options: { name: string; slug?: string; externalId?: string; json?: boolean }) => {
        const answer = await ctx.api().post<OrganizationAnswer>(`${B2B}/organizations`, {
          organization_name: options.name,
          organization_slug: options.slug,
          organization_external_id: options.externalId,
        });
        printOrganization(ctx, answer, options.json);
      }),
    );
}
