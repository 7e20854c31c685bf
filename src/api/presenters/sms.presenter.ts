import { formatId, ProjectEnv } from '../../ids';
import type { ListedSmsRow } from '../../repositories/sms.repository';
import { timestamp } from './wire';

/** A message of the SMS outbox listing (Roster's own resource). */
export function presentSms(env: ProjectEnv, sms: ListedSmsRow) {
  return {
    sms_id: formatId('sms', env, sms.id),
    organization_id: formatId('organization', env, sms.organization_id),
    member_id: formatId('member', env, sms.member_id),
    to: sms.to_number,
    status: sms.status,
    transport: sms.transport,
    body: sms.body,
    last_error: sms.last_error,
    created_at: timestamp(sms.created_at),
    sent_at: sms.sent_at && timestamp(sms.sent_at),
  };
}
