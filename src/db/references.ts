import { Prisma } from '../generated/prisma/client.ts'
import type { Tx } from './client.ts'
import { lockAllLive, lockOrder } from './locks.ts'

const tables = { actor: Prisma.sql`actors`, source: Prisma.sql`sources`, incident: Prisma.sql`incidents`, statement: Prisma.sql`statements` }
export type Referenced = keyof typeof tables
/** The order errors are listed in. */
export const referencedKinds = Object.keys(tables) as Referenced[]
/** The order references are locked in: the global lock order (src/db/locks.ts). */
export const referenceLockOrder = lockOrder.filter((k): k is Referenced => k in tables)

export interface Reference { kind: Referenced, id: string, path: string }

/** What is known of a referenced id: undefined when no live record has it, else the actor it was merged into (or null). */
export type LiveLookup = (kind: Referenced, id: string) => string | null | undefined

export interface LiveRow { id: string, merged: string | null }

/** A reference that names no live record: where it is in the body, and why. */
export interface BrokenReference { path: string, message: string }

/**
 * The live records among these ids, each with the actor it was merged into (null for other kinds),
 * locked FOR SHARE in id order until commit: a concurrent delete or merge (FOR UPDATE) of one of
 * them waits for this write, or this write waits for it and then no longer finds it live.
 */
export function liveSql (kind: Referenced, ids: string[]): Prisma.Sql {
  const merged = kind === 'actor' ? Prisma.sql`merged_into_id::text` : Prisma.sql`NULL::text`
  return Prisma.sql`SELECT id::text, ${merged} AS merged FROM ${tables[kind]} WHERE id = ANY(${[...new Set(ids)].sort()}::uuid[]) AND deleted_at IS NULL
    ORDER BY id FOR SHARE`
}

/** Every reference (by body path) that is not a live record, kind by kind. */
export function referenceErrors (refs: Reference[], live: LiveLookup): BrokenReference[] {
  const errors: BrokenReference[] = []
  for (const kind of referencedKinds) {
    for (const r of refs) {
      if (r.kind !== kind) continue
      const mergedInto = live(kind, r.id)
      if (mergedInto === undefined) errors.push({ path: r.path, message: `${kind} ${r.id} does not exist` })
      // Merged actors still answer reads (308) but new links must name the survivor.
      else if (mergedInto !== null) errors.push({ path: r.path, message: `actor ${r.id} was merged into ${mergedInto}; use that id` })
    }
  }
  return errors
}

export interface ReferenceOptions {
  /**
   * Rows the caller will also write (a denial's incidents, whose roll-up it refreshes): locked FOR
   * UPDATE at their table's turn, before that table's shared locks, so no writer ever holds a
   * shared lock it later needs to upgrade (two such writers would deadlock).
   */
  forUpdate?: Partial<Record<Referenced, string[]>>
}

/**
 * Locks what the references name, in the global lock order, and returns every reference that is not
 * a live record (src/http/references.ts answers them as one 400). Call it before the change log's lock.
 */
export async function lockReferences (tx: Tx, refs: Reference[], opts: ReferenceOptions = {}): Promise<BrokenReference[]> {
  const found = new Map<Referenced, Map<string, string | null>>()
  for (const kind of referenceLockOrder) {
    const exclusive = await lockAllLive(tx, kind, opts.forUpdate?.[kind] ?? [])
    const ids = refs.filter((r) => r.kind === kind).map((r) => r.id)
    const live = ids.length === 0 ? [] : await tx.$queryRaw<LiveRow[]>(liveSql(kind, ids))
    found.set(kind, new Map([...exclusive.map((id) => [id, null] as const), ...live.map((r) => [r.id, r.merged] as const)]))
  }
  return referenceErrors(refs, (kind, id) => found.get(kind)!.get(id))
}
