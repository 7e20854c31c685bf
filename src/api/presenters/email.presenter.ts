import { formatId, ProjectEnv } from '../../ids';
import type { ListedEmail } from '../../services/email/email-listing';
import { timestamp } from './wire';

/** An email of the outbox listing (Roster's own resource). */
export function presentEmail(env: ProjectEnv, email: ListedEmail) {
  return {
    email_id: formatId('email', env, email.id),
    to: email.to,
    subject: email.subject,
    kind: email.kind,
    status: email.status,
    transport: email.transport,
    link: email.link,
    code: email.code,
    created_at: timestamp(email.createdAt),
    sent_at: email.sentAt && timestamp(email.sentAt),
  };
}
