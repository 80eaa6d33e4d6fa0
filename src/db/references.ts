import { Prisma } from '../generated/prisma/client.ts'
import type { DbOrTx } from '../plugins/database.ts'
import { validationProblem, type FieldError } from '../http/problems.ts'

const tables = { actor: Prisma.sql`actors`, source: Prisma.sql`sources`, incident: Prisma.sql`incidents`, statement: Prisma.sql`statements` }
export type Referenced = keyof typeof tables

export interface Reference { kind: Referenced, id: string, path: string }

/** Throws one 400 naming every reference (by body path) that is not a live record. */
export async function assertReferencesExist (db: DbOrTx, refs: Reference[]) {
  const errors: FieldError[] = []
  for (const kind of Object.keys(tables) as Referenced[]) {
    const wanted = [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))]
    if (wanted.length === 0) continue
    // Merged actors still answer reads (308) but new links must name the survivor.
    const merged = kind === 'actor' ? Prisma.sql`merged_into_id::text` : Prisma.sql`NULL::text`
    const live = await db.$queryRaw<Array<{ id: string, merged: string | null }>>`
      SELECT id::text, ${merged} AS merged FROM ${tables[kind]} WHERE id = ANY(${wanted}::uuid[]) AND deleted_at IS NULL`
    const found = new Map(live.map((r) => [r.id, r.merged]))
    for (const r of refs.filter((x) => x.kind === kind)) {
      const mergedInto = found.get(r.id)
      if (mergedInto === undefined) errors.push({ in: 'body', path: r.path, message: `${kind} ${r.id} does not exist` })
      else if (mergedInto !== null) errors.push({ in: 'body', path: r.path, message: `actor ${r.id} was merged into ${mergedInto}; use that id` })
    }
  }
  if (errors.length > 0) throw validationProblem(errors)
}
