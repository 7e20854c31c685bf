/**
 * `read`, run at most once per `ttlMs`: scrapes close together (two
 * Prometheus replicas, a dashboard refresh) share one round trip to Redis or
 * Postgres, and concurrent callers share the read in flight. A failed read is
 * not kept: the next scrape tries again.
 */
export function cached<T>(read: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    if (value && Date.now() - value.at < ttlMs) return value.promise;
    const promise = read();
    const entry = { at: Date.now(), promise };
    value = entry;
    promise.catch(() => {
      if (value === entry) value = undefined;
    });
    return promise;
  };
}

/** `work`, or a rejection after `ms`: a scrape must answer while Redis or Postgres does not. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
