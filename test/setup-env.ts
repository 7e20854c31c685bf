import { logger } from '../src/logger';

logger.level = process.env.TEST_LOG_LEVEL ?? 'silent';

// The stytch SDK warns on every client built with a custom `env` (our test server's URL).
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith("[Stytch] Warning: Using a custom 'env'")) return;
  warn(...args);
};
