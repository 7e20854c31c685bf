import { dropDatabase, runId, templateName } from './helpers/database';
import { keysMatching, runKeysPattern, unlinkKeys } from './helpers/redis';

/**
 * Drops the run's template database, and fails the run if its tests left
 * queue keys in Redis: each test app deletes its own when it closes, so a
 * key left is a leak (a queue a test opened on a prefix of its own, a
 * spawned process killed before its cleanup). The keys are deleted anyway,
 * so that a failing run does not leave them either.
 */
export default async function globalTeardown(): Promise<void> {
  await dropDatabase(templateName());
  const leaked = await keysMatching(runKeysPattern(runId()));
  if (leaked.length === 0) return;
  await unlinkKeys(leaked);
  const byPrefix = new Map<string, string[]>();
  for (const key of leaked) {
    const prefix = key.slice(0, key.indexOf('}') + 1);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), key]);
  }
  const lines = [...byPrefix].map(([prefix, keys]) => `  ${prefix}: ${keys.length} keys, e.g. ${keys.slice(0, 3).join(', ')}`);
  throw new Error(`The tests left ${leaked.length} Redis keys behind (now deleted); close what made them:\n${lines.join('\n')}`);
}
