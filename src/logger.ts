import pino from 'pino';
import pretty from 'pino-pretty';
import { LogFormat, logFormatSetting } from './config';

export type Logger = pino.Logger;

/** How lines are written: `auto` is readable on a terminal (a developer's) and JSON everywhere else (log collectors). */
export function resolveLogFormat(setting: LogFormat, stdoutIsTTY: boolean): 'pretty' | 'json' {
  if (setting === 'auto') return stdoutIsTTY ? 'pretty' : 'json';
  return setting;
}

/** A logger writing `format` lines to `destination` (stdout unless given). Never log tokens, secrets or raw CSV rows. */
export function createLogger(format: 'pretty' | 'json', destination?: NodeJS.WritableStream): Logger {
  const options: pino.LoggerOptions = {
    // The level is applied from config by each process's composition root.
    level: 'info',
    base: { service: 'roster' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.secret', '*.password'], censor: '[redacted]' },
  };
  if (format === 'json') {
    // Lines go out asynchronously and in batches: one write once 4 KiB (some
    // fifteen request lines) are pending, or after at most 100 ms. A write per
    // line (a syscall and a thread-pool hop) was 3–4% of an exchange's CPU.
    // pino flushes what is pending when the process exits.
    return pino(options, destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 }));
  }
  const readable = pretty({
    destination: destination ?? 1,
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    // Written as logged: the line of a process that exits right after (a failed boot) is not lost.
    sync: true,
  });
  return pino(options, readable);
}

/** The process-wide logger, in the format LOG_FORMAT asks for. */
export const logger = createLogger(resolveLogFormat(logFormatSetting(), process.stdout.isTTY === true));
