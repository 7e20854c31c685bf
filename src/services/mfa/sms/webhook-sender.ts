import { createHmac } from 'node:crypto';
import { PermanentJobFailure } from '../../../errors';
import type { OutgoingSms, SmsDelivery, SmsSender } from './sms-sender';

export const SIGNATURE_HEADER = 'x-roster-signature';

/**
 * The signature of a webhook body, Stripe's scheme: `t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>">`. The receiver recomputes it with the shared
 * secret, compares in constant time, and refuses an old `t` (replays).
 */
export function signWebhook(secret: string, body: string, at: Date = new Date()): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Answers a gateway gives when it is busy or timed out: worth another try, like any 5xx. */
const TRANSIENT_4XX = new Set([408, 425, 429]);

/**
 * Texts through an HTTP webhook (SMS_WEBHOOK_URL): a JSON POST of
 * `{message_id, to, body, locale}` that the operator's SMS gateway turns
 * into a text. A 2xx is delivered; another 4xx is final; a 5xx, a timeout or
 * a network failure throws, so the job retries with backoff. `message_id` is
 * the listing's `sms_id`, the same on every retry, though each retry carries a
 * new code: a gateway must not deduplicate on it alone.
 */
export class WebhookSmsSender implements SmsSender {
  readonly transport = 'webhook';

  constructor(
    private readonly url: string,
    private readonly secret: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(sms: OutgoingSms): Promise<SmsDelivery> {
    const body = JSON.stringify({ message_id: sms.id, to: sms.to, body: sms.body, locale: sms.locale });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Roster-SMS/1' };
    if (this.secret) headers[SIGNATURE_HEADER] = signWebhook(this.secret, body);
    const response = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    // The answer is read whole (and bounded by the gateway): an unread body would hold the connection.
    const answer = await response.text();
    if (response.ok) return { messageId: gatewayId(answer) ?? `webhook-${sms.id}`, status: 'sent' };
    if (response.status >= 400 && response.status < 500 && !TRANSIENT_4XX.has(response.status)) {
      throw new PermanentJobFailure('sms_rejected', `The SMS webhook refused the message (HTTP ${response.status}).`);
    }
    throw new Error(`The SMS webhook answered HTTP ${response.status}; the message will be retried.`);
  }
}

/** The gateway's own id for the message, when its answer is JSON with an `id` or `message_id`. */
function gatewayId(answer: string): string | undefined {
  try {
    const parsed = JSON.parse(answer) as { id?: unknown; message_id?: unknown };
    const id = parsed.message_id ?? parsed.id;
    return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : undefined;
  } catch {
    return undefined;
  }
}
