import { badRequest } from '../../../errors';

/** How long an IdP's discovery document or metadata may take, and how large it may be. */
const FETCH_TIMEOUT_MS = 10_000;
const MAX_BYTES = 1_000_000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An IdP URL (issuer, endpoint, metadata) Roster will call or send browsers
 * to: https only, except plain http on a loopback host when the deployment
 * allows it (SSO_ALLOW_INSECURE_LOOPBACK: local IdPs in development and tests).
 */
export function checkIdpUrl(field: string, value: string, allowInsecureLoopback: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidIdpUrl(field, value, 'is not a URL');
  }
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) {
    if (allowInsecureLoopback) return value;
    throw invalidIdpUrl(field, value, 'must use https (plain http on loopback hosts needs SSO_ALLOW_INSECURE_LOOPBACK)');
  }
  throw invalidIdpUrl(field, value, 'must use https');
}

const invalidIdpUrl = (field: string, value: string, reason: string) => badRequest('invalid_sso_idp_url', `${field} "${value}" ${reason}.`);

/**
 * Reads a document an IdP publishes (OIDC discovery, SAML metadata): bounded
 * in time and size, redirects refused (a redirect could leave https).
 * Failures are the caller's 400, naming the URL.
 */
export async function fetchIdpDocument(url: string, { errorType }: { errorType: string }): Promise<string> {
  const fail = (reason: string) => badRequest(errorType, `Could not read ${url}: ${reason}.`);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw fail(error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'the request failed');
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw fail(`HTTP ${response.status}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > MAX_BYTES) {
      await reader.cancel();
      throw fail(`larger than ${MAX_BYTES} bytes`);
    }
    chunks.push(Buffer.from(read.value));
  }
  return Buffer.concat(chunks).toString('utf8');
}
