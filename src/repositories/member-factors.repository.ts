import { MemberRetiredEmailModel } from '../models/member.model';
import type { Db } from './db';

/** A member's removable factors and addresses, one statement each. */
export class MemberFactorsRepository {
  /**
   * Deletes one retired email of a member, found by its id, its address or
   * both (then they must be the same row); returns it, or undefined when no
   * such retired email is the member's (a concurrent unlink took it).
   */
  async deleteRetiredEmail(
    db: Db,
    memberId: string,
    by: { id?: string; emailNormalized?: string },
  ): Promise<MemberRetiredEmailModel | undefined> {
    const query = MemberRetiredEmailModel.query(db).where({ member_id: memberId });
    if (by.id !== undefined) query.where({ id: by.id });
    if (by.emailNormalized !== undefined) query.where({ email_normalized: by.emailNormalized });
    const [row] = await query.delete().returning('*');
    return row as unknown as MemberRetiredEmailModel | undefined;
  }
}
