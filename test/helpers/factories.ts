import { randomBytes } from 'node:crypto';
import type { B2BClient } from 'stytch';

export const unique = (prefix = 'x') => `${prefix}-${randomBytes(5).toString('hex')}`;

export async function createOrganization(client: B2BClient, overrides: Record<string, unknown> = {}) {
  const { organization } = await client.organizations.create({
    organization_name: 'Acme Corp',
    organization_slug: unique('acme'),
    ...overrides,
  } as Parameters<B2BClient['organizations']['create']>[0]);
  return organization;
}

export async function createMember(client: B2BClient, organizationId: string, overrides: Record<string, unknown> = {}) {
  const { member } = await client.organizations.members.create({
    organization_id: organizationId,
    email_address: `${unique('user')}@acme.com`,
    ...overrides,
  } as Parameters<B2BClient['organizations']['members']['create']>[0]);
  return member;
}

/** The StytchError a call rejects with (fails the test if it resolves). */
export async function stytchError(
  promise: Promise<unknown>,
): Promise<{ status_code: number; error_type: string; error_message: string; request_id: string; error_url: string }> {
  try {
    await promise;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
