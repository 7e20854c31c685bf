import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one delivery: the message id, the time
 * of signing in seconds, and one `v1,<signature>` per secret, so a receiver
 * holding either the old or the new secret during a rotation can verify it.
 */
export function signedHeaders(secrets: readonly string[], messageId: string, body: string, at: Date): Record<string, string> {
  if (secrets.length === 0) throw new Error('the endpoint has no signing secret');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' '),
  };
}
