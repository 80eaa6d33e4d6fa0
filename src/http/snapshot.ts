import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { resolveSnapshot, type Snapshot, type SnapshotRef } from '../modules/changes/snapshots.ts'
import { inInstantRange, instantRangeMessage } from './list.ts'

/** `asOf` on lists, exports and stats: a time or a change-log position, `seq:N`. */
// One union of plain strings, transformed once: a union of transformed members came out of the
// spec generator as `anyOf: []`, a parameter no client could send.
export const snapshotParam = z.union([
  z.string().regex(/^seq:(0|[1-9]\d{0,17})$/, 'must be seq:N, a position of the change log'),
  z.iso.date(),
  z.iso.datetime({ offset: true })
]).transform((s): SnapshotRef => s.startsWith('seq:') ? { seq: s.slice(4) } : { at: new Date(s.length === 10 ? `${s}T00:00:00.000Z` : s) })
  .refine((r) => 'seq' in r || inInstantRange(r.at), instantRangeMessage)
  .optional()
  .describe('answer the data as it stood then: an RFC 3339 timestamp (a date is UTC midnight) or `seq:N`, a position of the change log ' +
    '(`seq` of GET /v1/changes, or a write\'s `Sitrep-Seq`). Past the log\'s last position, or in the future, is a 400; before the log began, nothing existed')

/** The past has no expansions: include= would read today's related records. */
export const noIncludeAsOf = <T extends z.ZodType<{ asOf?: unknown, include?: unknown }>>(schema: T) =>
  schema.refine((q) => !(q.asOf && q.include), { path: ['include'], message: 'include cannot be combined with asOf' })

const kSnapshot = Symbol('snapshot')
type WithSnapshot = FastifyRequest & { [kSnapshot]?: Promise<Snapshot> }

const isRef = (v: unknown): v is SnapshotRef => typeof v === 'object' && v !== null && ('seq' in v || 'at' in v)

/**
 * The snapshot a list, export or stat is asked `asOf`, resolved once per request: the HTTP cache
 * names its ETag after it and the handler reads it.
 */
export function snapshotOf (request: FastifyRequest): Promise<Snapshot> | undefined {
  const ref = (request.query as { asOf?: unknown } | undefined)?.asOf
  if (!isRef(ref)) return undefined
  const r = request as WithSnapshot
  r[kSnapshot] ??= resolveSnapshot(request.server.pool, ref)
  return r[kSnapshot]
}
