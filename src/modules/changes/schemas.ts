import { z } from 'zod'
import { commaList, pageSchema } from '../../http/list.ts'
import { queryNumber } from '../../http/schemas.ts'

export const changeEntities = ['actor', 'source', 'incident', 'casualtyReport', 'statement'] as const

export const changeSchema = z.object({
  seq: z.number().int().describe('position in the log; strictly increasing in commit order'),
  entity: z.enum(changeEntities),
  id: z.uuid().describe('the record\'s id'),
  action: z.enum(['created', 'updated', 'deleted']),
  version: z.number().int().describe('the record\'s version after the change'),
  at: z.iso.datetime()
}).meta({ id: 'Change', example: { seq: 42, entity: 'statement', id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a50', action: 'created', version: 1, at: '2025-10-13T12:00:00.000Z' } })

export const revisionSchema = z.object({
  seq: z.number().int(),
  action: z.enum(['created', 'updated', 'deleted']),
  version: z.number().int(),
  at: z.iso.datetime(),
  by: z.string().nullable().optional()
    .describe('name of the API key that made the change (null: none, e.g. the import CLI); only given to callers whose key has scope write or admin'),
  before: z.record(z.string(), z.unknown()).nullable().describe('the record before the change (null on create)'),
  after: z.record(z.string(), z.unknown()).nullable().describe('the record after the change (null on delete)')
}).meta({ id: 'Revision' })

const since = z.string().regex(/^\d{1,18}$/, 'must be a change seq').optional()

export const changeListQuery = z.strictObject({
  since: since.describe('return changes after this seq (exclusive); 0 or absent = from the start'),
  entity: commaList(changeEntities, 'entities').optional(),
  limit: queryNumber(z.coerce.number().int().min(1).max(1000).default(100)).describe('page size, 1..1000'),
  cursor: z.string().min(1, 'must not be empty; leave cursor out for the first page').max(200).optional().describe('opaque cursor from page.nextCursor')
})

export const changeStreamQuery = z.strictObject({
  since: since.describe('replay changes after this seq first (the Last-Event-ID header does the same and wins)'),
  entity: commaList(changeEntities, 'entities').optional()
})

export const changePage = z.object({ data: z.array(changeSchema), page: pageSchema }).meta({ id: 'ChangePage' })
export const revisionPage = z.object({ data: z.array(revisionSchema), page: pageSchema }).meta({ id: 'RevisionPage' })

export const revisionQuery = z.strictObject({
  limit: queryNumber(z.coerce.number().int().min(1).max(500).default(50)).describe('page size, 1..500'),
  cursor: z.string().min(1, 'must not be empty; leave cursor out for the first page').max(200).optional().describe('opaque cursor from page.nextCursor')
})

export type ChangeView = z.infer<typeof changeSchema>
