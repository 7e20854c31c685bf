import { Command } from 'commander';
import { registerEmails } from './commands/emails';
import { registerEvents } from './commands/events';
import { registerImport } from './commands/import';
import { registerJobs } from './commands/jobs';
import { registerMembers } from './commands/members';
import { registerOrgs } from './commands/orgs';
import { registerProjects } from './commands/projects';
import { registerPublicTokens } from './commands/public-tokens';
import { registerWebhooks } from './commands/webhooks';
import type { CliContext } from './context';
import { EXIT_CODES_HELP } from './errors';

const ENVIRONMENT_HELP = `Environment:
  ROSTER_URL             server of the API commands (default: PUBLIC_URL, else
                         http://localhost:3000)
  ROSTER_PROJECT_ID      project the API commands act as
  ROSTER_PROJECT_SECRET  its secret
  DATABASE_URL           database of the projects commands (default:
                         postgres://postgres@127.0.0.1:5432/roster)`;

/**
 * The whole command tree. Settings are read only when a command runs, so help
 * works in any environment; commander's exits become exceptions (exitOverride)
 * so that roster.ts alone decides the exit code.
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('roster')
    .description("Roster's command line: projects (in the database), organizations, members, jobs, imports and emails (through the API).")
    // Inherited by every command defined after this point.
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => ctx.out.write(text),
      writeErr: (text) => ctx.err.write(text),
      outputError: (text, write) => write(`roster: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n\nEvery command has --help, e.g. roster jobs list --help.`);
  registerProjects(program, ctx);
  registerPublicTokens(program, ctx);
  registerOrgs(program, ctx);
  registerMembers(program, ctx);
  registerJobs(program, ctx);
  registerImport(program, ctx);
  registerEmails(program, ctx);
  registerEvents(program, ctx);
  registerWebhooks(program, ctx);
  return program;
}
