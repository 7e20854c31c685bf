import type { Command } from 'commander';
import type { ProjectSummary } from '../../services/project.service';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { fields, table } from '../format';
import { action, collect, jsonOption } from '../options';

/** A project as `--json` shows it: the API's naming, though projects have no API. */
const projectJson = (p: ProjectSummary) => ({
  project_id: p.projectId,
  env: p.env,
  name: p.name,
  redirect_urls: p.redirectUrls,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});

function printProject(ctx: CliContext, project: ProjectSummary, json: boolean | undefined): void {
  if (json) return ctx.printJson({ project: projectJson(project) });
  ctx.print(
    fields([
      ['project_id', project.projectId],
      ['name', project.name],
      ['redirect_urls', project.redirectUrls],
      ['created_at', project.createdAt],
      ['updated_at', project.updatedAt],
    ]),
  );
}

function printSecret(ctx: CliContext, { projectId, secret }: { projectId: string; secret: string }): void {
  ctx.print(`project_id: ${projectId}\nsecret:     ${secret}\n`);
  ctx.note('Store the secret now: it cannot be shown again.');
}

/** `projects …`: these talk to the database in DATABASE_URL directly, since projects have no API. */
export function registerProjects(program: Command, ctx: CliContext): void {
  const projects = program.command('projects').description('create, list and change projects (directly in the database of DATABASE_URL)');

  projects
    .command('create')
    .description("create a project and print its project_id and secret (shown only this once; Roster keeps only the secret's hash)")
    .requiredOption('--name <name>', 'what the project is called')
    .option('--live', 'a live project (project-live-…) instead of a test one')
    .option('--redirect-url <url>', 'a URL links may redirect to; repeat for several, the first is the default', collect, [])
    .addHelpText('after', '\nExample:\n  roster projects create --name "My app" --redirect-url http://localhost:3001/authenticate')
    .action(
      action(ctx, async (options: { name: string; live?: boolean; redirectUrl: string[] }) => {
        const created = await ctx.withProjects((p) => p.create(options.name, options.live ? 'live' : 'test', options.redirectUrl), {
          prepare: true,
        });
        printSecret(ctx, created);
      }),
    );

  projects
    .command('list')
    .description('list every project, oldest first (never their secrets)')
    .addOption(jsonOption())
    .action(
      action(ctx, async (options: { json?: boolean }) => {
        const list = await ctx.withProjects((p) => p.list());
        if (options.json) return ctx.printJson({ projects: list.map(projectJson) });
        ctx.print(
          table(
            ['project_id', 'name', 'redirect_urls', 'created_at'],
            list.map((p) => [p.projectId, p.name, p.redirectUrls, p.createdAt]),
          ),
        );
      }),
    );

  projects
    .command('update <project_id>')
    .description('rename a project or change its redirect URLs (links may only redirect to these; the first is the default)')
    .option('--name <name>', 'a new name')
    .option('--add-redirect-url <url>', 'append a redirect URL (repeatable; one already listed stays where it is)', collect, [])
    .option('--remove-redirect-url <url>', 'remove a redirect URL (repeatable; removing the first makes the next the default)', collect, [])
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  roster projects update project-test-… --add-redirect-url https://app.example.com/authenticate')
    .action(
      action(
        ctx,
        async (projectId: string, options: { name?: string; addRedirectUrl: string[]; removeRedirectUrl: string[]; json?: boolean }) => {
          if (options.name === undefined && options.addRedirectUrl.length === 0 && options.removeRedirectUrl.length === 0) {
            throw new UsageError('nothing to change: give --name, --add-redirect-url or --remove-redirect-url');
          }
          const project = await ctx.withProjects((p) =>
            p.update(projectId, {
              name: options.name,
              addRedirectUrls: options.addRedirectUrl,
              removeRedirectUrls: options.removeRedirectUrl,
            }),
          );
          printProject(ctx, project, options.json);
        },
      ),
    );

  projects
    .command('rotate-secret <project_id>')
    .description(
      'give a project a new secret and print it once; the old one stops working (within ROSTER_CREDENTIAL_CACHE_MS on running servers)',
    )
    .action(
      action(ctx, async (projectId: string) => {
        printSecret(ctx, await ctx.withProjects((p) => p.rotateSecret(projectId)));
      }),
    );
}
