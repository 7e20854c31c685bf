import pino from 'pino';

/** The process-wide logger. Never log tokens, secrets or raw CSV rows. */
export const logger = pino({
  // The level is applied from config by each process's composition root.
  level: 'info',
  base: { service: 'roster' },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: ['req.headers.authorization', '*.secret', '*.password'], censor: '[redacted]' },
});

export type Logger = pino.Logger;
