import type { Knex } from 'knex';
import type { ListSmsQuery } from '../../../contracts/otps-sms';
import { parseId } from '../../../ids';
import type { ListedSmsRow, SmsRepository } from '../../../repositories/sms.repository';
import type { ProjectContext } from '../../project-context';
import { checkLimit, decodeCursor, encodeCursor } from '../../search-query';

export interface SmsPage {
  messages: ListedSmsRow[];
  total: number;
  nextCursor: string | null;
}

/**
 * A project's SMS passcode messages, newest first: what the dev outbox
 * captured (the text, code included, that a developer reads instead of a
 * phone) and how delivery went.
 */
export class SmsListing {
  constructor(
    private readonly knex: Knex,
    private readonly sms: SmsRepository,
  ) {}

  async list(project: ProjectContext, query: ListSmsQuery): Promise<SmsPage> {
    // A member id of another shape or environment names no member: the page is empty, not an error.
    const memberId =
      query.member_id === undefined
        ? undefined
        : (parseId('member', project.env, query.member_id) ?? '00000000-0000-0000-0000-000000000000');
    const page = await this.sms.list(
      this.knex,
      project.id,
      { status: query.status, toNumber: query.to, memberId },
      decodeCursor(query.cursor),
      checkLimit(query.limit === undefined ? undefined : Number(query.limit)),
    );
    return { messages: page.rows, total: page.total, nextCursor: encodeCursor(page.nextAfterId) };
  }
}
