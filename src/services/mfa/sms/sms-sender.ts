/** One text message a sender takes: the number (E.164), the text, and the message's id for correlation. */
export interface OutgoingSms {
  /** The message's public id, as GET /v1/b2b/sms_messages lists it (`sms-<env>-<uuid>`); stable across retries. */
  id: string;
  to: string;
  body: string;
  locale: string;
}

/** What became of a message a sender took: `sent` left the machine; `captured` was kept by the dev outbox instead. */
export interface SmsDelivery {
  messageId: string;
  status: 'sent' | 'captured';
}

/**
 * Where SMS passcodes go. A sender throws PermanentJobFailure when the
 * message can never be delivered (the worker stops retrying it) and any
 * other error when a retry may succeed (BullMQ's attempts and backoff).
 */
export interface SmsSender {
  readonly transport: string;
  send(sms: OutgoingSms): Promise<SmsDelivery>;
}
