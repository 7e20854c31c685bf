/** The constraint a write violated, for unique violations (SQLSTATE 23505), from pg or Objection errors. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; nativeError?: { code?: string; constraint?: string } };
  const native = e.nativeError ?? e;
  return native.code === '23505' ? native.constraint : undefined;
}
