import type { Command } from 'commander';
import type { PublicTokenSummary } from '../../services/public-tokens';
import type { CliContext } from '../context';
import { ConfigError } from '../../config';
import { fields, table } from '../format';
import { action, jsonOption } from '../options';

const tokenJson = (t: PublicTokenSummary) => ({
  public_token: t.publicToken,
  project_id: t.projectId,
  created_at: t.createdAt,
  revoked_at: t.revokedAt,
});

/** The project named by --project, else the CLI's project (ROSTER_PROJECT_ID). */
function projectOf(ctx: CliContext, options: { project?: string }): string {
  const projectId = options.project ?? ctx.settings.bootstrapProject?.projectId;
  if (!projectId) throw new ConfigError(['give --project or set ROSTER_PROJECT_ID to the project whose public tokens to use']);
  return projectId;
}

/** `public-tokens …`: like projects, these talk to the database in DATABASE_URL directly. */
export function registerPublicTokens(program: Command, ctx: CliContext): void {
  const tokens = program
    .command('public-tokens')
    .description(
      "create, list and revoke projects' public tokens (public-token-test-…, for browser-facing URLs such as the SSO start URL)",
    );

  tokens
    .command('create')
    .description('create a public token for a project and print it (public by design: safe to put in a web page)')
    .option('--project <project_id>', 'the project (default: ROSTER_PROJECT_ID)')
    .addOption(jsonOption())
    .action(
      action(ctx, async (options: { project?: string; json?: boolean }) => {
        const token = await ctx.withPublicTokens((t) => t.create(projectOf(ctx, options)));
        if (options.json) return ctx.printJson({ public_token: tokenJson(token) });
        ctx.print(
          fields([
            ['public_token', token.publicToken],
            ['project_id', token.projectId],
            ['created_at', token.createdAt],
          ]),
        );
      }),
    );

  tokens
    .command('list')
    .description("list a project's public tokens, oldest first")
    .option('--project <project_id>', 'the project (default: ROSTER_PROJECT_ID)')
    .addOption(jsonOption())
    .action(
      action(ctx, async (options: { project?: string; json?: boolean }) => {
        const list = await ctx.withPublicTokens((t) => t.list(projectOf(ctx, options)));
        if (options.json) return ctx.printJson({ public_tokens: list.map(tokenJson) });
        ctx.print(
          table(
            ['public_token', 'created_at', 'revoked_at'],
            list.map((t) => [t.publicToken, t.createdAt, t.revokedAt ?? '']),
          ),
        );
      }),
    );

  tokens
    .command('revoke <public_token>')
    .description('revoke a public token: URLs carrying it stop working at once (revoking it again keeps the first time)')
    .addOption(jsonOption())
    .action(
      action(ctx, async (publicToken: string, options: { json?: boolean }) => {
        const token = await ctx.withPublicTokens((t) => t.revoke(publicToken));
        if (options.json) return ctx.printJson({ public_token: tokenJson(token) });
        ctx.print(
          fields([
            ['public_token', token.publicToken],
            ['project_id', token.projectId],
            ['revoked_at', token.revokedAt],
          ]),
        );
      }),
    );
}
