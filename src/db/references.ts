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
    const live = await db.$queryRaw<Array<{ id: string }>>`
      SELECT id::text FROM ${tables[kind]} WHERE id = ANY(${wanted}::uuid[]) AND deleted_at IS NULL`
    const found = new Set(live.map((r) => r.id))
    for (const r of refs) if (r.kind === kind && !found.has(r.id)) errors.push({ in: 'body', path: r.path, message: `${kind} ${r.id} does not exist` })
  }
  if (errors.length > 0) throw validationProblem(errors)
}
