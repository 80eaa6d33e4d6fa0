import { uuidv7 } from 'uuidv7'
import { Prisma } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { lockLive, tableOf } from '../../db/locks.ts'
import { writeTransaction, type ChangeOptions } from '../../db/transaction.ts'
import { recordChange, type Entity } from './repository.ts'

/**
 * The update-and-delete skeleton every versioned record shares. Its steps follow the lock order
 * (docs/architecture.md, "Lock order"): row locks, then a re-read of what was locked (a writer that
 * waited works from what the one before it committed), the If-Match check on that version, the
 * write with its version bump, and the change log (whose lock comes last).
 */
interface Edit<Row extends { version: number }, View extends object> extends ChangeOptions {
  entity: Entity
  id: string
  keyName: string | null
  /** The write's row locks, in the global order; without it, the record's own row. */
  lock?: (tx: Tx) => Promise<unknown>
  /** The record as it stands under the locks; a 404 when it is gone. */
  find: (tx: Tx) => Promise<Row>
  /** The record as the change log and the API show it. */
  view: (row: Row) => View
}

/**
 * What every update and delete of one kind of record shares: its entity, how to find it under the
 * locks and its view; `lock` when its writes lock more than its own row.
 */
export function editsOf<Row extends { version: number }, View extends object> (entity: Entity, find: (tx: Tx, id: string) => Promise<Row>,
  view: (row: Row) => View, lock?: (tx: Tx, id: string) => Promise<unknown>) {
  return (id: string, keyName: string | null, opts: ChangeOptions): Edit<Row, View> =>
    ({ entity, id, keyName, expect: opts.expect, find: (tx) => find(tx, id), view, ...(lock ? { lock: (tx: Tx) => lock(tx, id) } : {}) })
}

/** The columns every change sets besides its own. */
export const bumped = () => ({ version: { increment: 1 }, updatedAt: new Date() })

/** A new record under a new id: `insert` checks and writes it and answers it as stored; logged as version 1. */
export function createRecord<Row, View extends object> (db: Db, create: {
  entity: Entity
  keyName: string | null
  view: (row: Row) => View
  insert: (tx: Tx, id: string) => Promise<Row>
  /** What follows from the new record once it is logged: roll-ups derived from it. */
  then?: (tx: Tx, after: View) => Promise<unknown>
}): Promise<Row> {
  return writeTransaction(db, async (tx) => {
    const id = uuidv7()
    const row = await create.insert(tx, id)
    const after = create.view(row)
    await recordChange(tx, { entity: create.entity, id, action: 'created', version: 1, before: null, after, keyName: create.keyName })
    await create.then?.(tx, after)
    return row
  })
}

async function lockAndFind<Row extends { version: number }, View extends object> (tx: Tx, edit: Edit<Row, View>) {
  await (edit.lock ? edit.lock(tx) : lockLive(tx, edit.entity, edit.id))
  const current = await edit.find(tx)
  edit.expect?.(current.version)
  return edit.view(current)
}

export function updateRecord<Row extends { version: number }, View extends object> (db: Db, edit: Edit<Row, View> & {
  /** Checks and writes the change (its columns with `bumped()`), and answers the row as it now is. */
  apply: (tx: Tx, before: View) => Promise<Row>
  /** What follows from the change once it is logged: roll-ups derived from the record. */
  then?: (tx: Tx, before: View, after: View) => Promise<unknown>
}): Promise<Row> {
  return writeTransaction(db, async (tx) => {
    const before = await lockAndFind(tx, edit)
    const row = await edit.apply(tx, before)
    const after = edit.view(row)
    await recordChange(tx, { entity: edit.entity, id: edit.id, action: 'updated', version: row.version, before, after, keyName: edit.keyName })
    await edit.then?.(tx, before, after)
    return row
  })
}

/** A soft delete. `check` refuses (a 409 for live referrers) or locks what goes with the record; `then` receives what it answered. */
export function deleteRecord<Row extends { version: number }, View extends object, Checked = void> (db: Db, edit: Edit<Row, View> & {
  check?: (tx: Tx, before: View) => Promise<Checked>
  then?: (tx: Tx, before: View, checked: Checked) => Promise<unknown>
}): Promise<void> {
  return writeTransaction(db, async (tx) => {
    const before = await lockAndFind(tx, edit)
    const checked = await edit.check?.(tx, before) as Checked
    await softDelete(tx, edit.entity, edit.id, before, edit.keyName)
    await edit.then?.(tx, before, checked)
  })
}

/** Marks a locked, live record deleted with a new version, and logs the change. */
export async function softDelete (tx: Tx, entity: Entity, id: string, before: object, keyName: string | null) {
  const now = new Date()
  const [{ version }] = await tx.$queryRaw<Array<{ version: number }>>(Prisma.sql`
    UPDATE ${tableOf[entity]} SET deleted_at = ${now}, updated_at = ${now}, version = version + 1 WHERE id = ${id}::uuid RETURNING version`)
  await recordChange(tx, { entity, id, action: 'deleted', version, before, after: null, keyName })
}
