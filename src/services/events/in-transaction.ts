import { isTransaction, type Db } from '../../repositories/db';

/** Runs in the caller's transaction, or in one of its own: a change and its event commit together or not at all. */
export const inTransaction = <T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> =>
  isTransaction(db) ? work(db) : db.transaction(work);
