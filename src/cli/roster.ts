#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ConfigError } from '../config';
import { AppError } from '../errors';
import { CliContext } from './context';
import { EXIT, UnreachableError, UsageError } from './errors';
import { buildProgram } from './program';

/** The exit code for a failure, after saying what it was (commander has already printed its own). */
function failed(err: unknown, ctx: CliContext): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  const say = (message: string) => ctx.err.write(`roster: ${message}\n`);
  if (err instanceof ConfigError || err instanceof UsageError) {
    say(err.message);
    return EXIT.USAGE;
  }
  if (err instanceof UnreachableError) {
    say(err.message);
    return EXIT.UNREACHABLE;
  }
  // A service's refusal, from a command that works on the database directly: reported like the API's.
  if (err instanceof AppError) {
    say(`${err.statusCode} ${err.errorType}: ${err.message}`);
    return EXIT.FAILED;
  }
  // An ApiError's message already has its status, error_type, message and request.
  say(err instanceof Error ? err.message : String(err));
  return EXIT.FAILED;
}

async function main(): Promise<void> {
  const ctx = new CliContext();
  // `roster jobs list | head`: a closed pipe ends the output, not in a stack trace.
  ctx.out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? EXIT.OK);
  });
  try {
    await buildProgram(ctx).parseAsync(process.argv);
    process.exitCode = ctx.exitCode;
  } catch (err) {
    process.exitCode = failed(err, ctx);
  }
}

void main();
