import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT, UsageError } from './errors';
import type { CliContext } from './context';

/** Options several commands share, so they read and behave the same everywhere. */
export const jsonOption = () => new Option('--json', 'print the raw API answer as JSON');

export const limitOption = () => new Option('--limit <n>', 'at most this many per page').argParser(positiveInteger);

export const cursorOption = () => new Option('--cursor <cursor>', 'the page after this cursor (printed after a full page)');

/** Appends each use of a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value];

export function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new InvalidArgumentError('expected a positive integer.');
  return Number(value);
}

/**
 * A command's action: its exit code (OK unless it says otherwise) lands on the
 * context; a UsageError becomes commander's own error, so it prints this
 * command's usage like a bad option does.
 */
export function action<A extends unknown[]>(ctx: CliContext, run: (...args: A) => Promise<number | void>) {
  return async (...args: A): Promise<void> => {
    try {
      ctx.exitCode = (await run(...args)) ?? EXIT.OK;
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      (args[args.length - 1] as Command).error(err.message, { exitCode: EXIT.USAGE, code: 'roster.usage' });
    }
  };
}
