import { Prisma } from '../generated/prisma/client.ts'
import type { DbOrTx } from '../plugins/database.ts'
import { validationProblem, type FieldError } from '../http/problems.ts'

const tables = { actor: Prisma.sql`actors`, source: Prisma.sql`sources`, incident: Prisma.sql`incidents`, statement: Prisma.sql`statements` }
export type Referenced = keyof typeof tables
export const referencedKinds = Object.keys(tables) as Referenced[]

export interface Reference { kind: Referenced, id: string, path: string }

/** What is known of a referenced id: undefined when no live record has it, else the actor it was merged into (or null). */
export type LiveLookup = (kind: Referenced, id: string) => string | null | undefined

export interface LiveRow { id: string, merged: string | null }

/** The live records among these ids, each with the actor it was merged into (null for other kinds). */
export function liveSql (kind: Referenced, ids: string[]): Prisma.Sql {
  const merged = kind === 'actor' ? Prisma.sql`merged_into_id::text` : Prisma.sql`NULL::text`
  return Prisma.sql`SELECT id::text, ${merged} AS merged FROM ${tables[kind]} WHERE id = ANY(${ids}::uuid[]) AND deleted_at IS NULL`
}

async function findLive (db: DbOrTx, kind: Referenced, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map()
  const live = await db.$queryRaw<LiveRow[]>(liveSql(kind, ids))
  return new Map(live.map((r) => [r.id, r.merged]))
}

/** Every reference (by body path) that is not a live record, kind by kind. */
export function referenceErrors (refs: Reference[], live: LiveLookup): FieldError[] {
  const errors: FieldError[] = []
  for (const kind of referencedKinds) {
    for (const r of refs) {
      if (r.kind !== kind) continue
      const mergedInto = live(kind, r.id)
      if (mergedInto === undefined) errors.push({ in: 'body', path: r.path, message: `${kind} ${r.id} does not exist` })
      // Merged actors still answer reads (308) but new links must name the survivor.
      else if (mergedInto !== null) errors.push({ in: 'body', path: r.path, message: `actor ${r.id} was merged into ${mergedInto}; use that id` })
    }
  }
  return errors
}

/** Throws one 400 naming every reference (by body path) that is not a live record. */
export async function assertReferencesExist (db: DbOrTx, refs: Reference[]) {
  const found = new Map<Referenced, Map<string, string | null>>()
  for (const kind of referencedKinds) found.set(kind, await findLive(db, kind, [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))]))
  const errors = referenceErrors(refs, (kind, id) => found.get(kind)!.get(id))
  if (errors.length > 0) throw validationProblem(errors)
}
