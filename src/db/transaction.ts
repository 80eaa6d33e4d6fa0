import type { Db, Tx } from '../plugins/database.ts'

/** Lets a caller (the bulk import) run several writes in one transaction and choose the new ids. */
export interface WriteOptions { tx?: Tx, id?: string }

/** For updates and deletes: `expect` sees the current version under the row lock (If-Match) and may refuse. */
export interface ChangeOptions { expect?: (version: number) => void }

export function inTransaction<T> (db: Db, tx: Tx | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return tx ? fn(tx) : db.$transaction(fn)
}
