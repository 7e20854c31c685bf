/** The email as stored and shown: trimmed, Unicode-composed, case kept. */
export function cleanEmail(email: string): string {
  return email.trim().normalize('NFC');
}

/** The key Members are deduplicated on within an organization. */
export function normalizeEmail(email: string): string {
  return cleanEmail(email).toLowerCase();
}
