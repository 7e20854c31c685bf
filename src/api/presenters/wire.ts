/** RFC 3339 in UTC without fractions, as Stytch writes timestamps: 2021-12-29T12:33:09Z. */
export function timestamp(date: Date | string): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
