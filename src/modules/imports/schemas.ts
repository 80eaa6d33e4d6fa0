import { z } from 'zod'
import { queryBool } from '../../http/list.ts'
import { createActorSchema } from '../actors/schemas.ts'
import { createSourceSchema } from '../sources/schemas.ts'
import { createIncidentSchema } from '../incidents/schemas.ts'
import { createCasualtySchema } from '../casualties/schemas.ts'
import { createStatementSchema } from '../statements/schemas.ts'

export const importEntities = ['actor', 'source', 'incident', 'casualtyReport', 'statement'] as const
export type ImportEntity = typeof importEntities[number]

export const lineSchema = z.strictObject({
  entity: z.enum(importEntities),
  ref: z.string().min(1).max(200).optional().describe('a local name other lines use as { "ref": "…" } in id fields'),
  data: z.record(z.string(), z.unknown())
})

/** The same create schemas as the single-record routes: the import has no rules of its own. */
export const dataSchemas = {
  actor: createActorSchema,
  source: createSourceSchema,
  incident: createIncidentSchema,
  casualtyReport: createCasualtySchema.extend({ incidentId: z.uuid() }),
  statement: createStatementSchema
} as const

/**
 * Id fields of each entity and what they point at, as body paths (`*` = every array item). A
 * `loose` reference does not order the lines: a relation may name an incident or a statement,
 * and a role a statement, further down (a statement usually names the incident back), and the rows it needs are all
 * written before the relations are.
 */
export const referenceFields: Record<ImportEntity, Array<{ path: string, kind: 'actor' | 'source' | 'incident' | 'statement', loose?: true }>> = {
  actor: [{ path: 'parentId', kind: 'actor' }],
  source: [],
  incident: [
    { path: 'actors.*.actorId', kind: 'actor' }, { path: 'actors.*.assertedById', kind: 'actor' }, { path: 'actors.*.statementIds.*', kind: 'statement', loose: true },
    { path: 'sourceIds.*', kind: 'source' }, { path: 'relations.*.assertedById', kind: 'actor' },
    { path: 'relations.*.incidentId', kind: 'incident', loose: true }, { path: 'relations.*.statementIds.*', kind: 'statement', loose: true }
  ],
  casualtyReport: [{ path: 'incidentId', kind: 'incident' }, { path: 'reportedById', kind: 'actor' }, { path: 'affectedActorId', kind: 'actor' }, { path: 'sourceIds.*', kind: 'source' }],
  statement: [
    { path: 'speakerId', kind: 'actor' }, { path: 'incidentIds.*', kind: 'incident' }, { path: 'aboutActorIds.*', kind: 'actor' },
    { path: 'respondsToId', kind: 'statement' }, { path: 'sourceIds.*', kind: 'source' }
  ]
}

/** The datasets an import reads (`from=`), as their CSV exports are named. */
export const datasetFormats = ['acled', 'ucdp-ged'] as const
export type DatasetFormat = typeof datasetFormats[number]

export const importQuery = z.strictObject({
  dryRun: queryBool().default(false).describe('validate everything, write nothing'),
  from: z.enum(datasetFormats).optional()
    .describe('the body is a dataset\'s CSV export (text/csv) instead of NDJSON: `acled` (ACLED events) or `ucdp-ged` (UCDP Georeferenced Event Dataset)')
})

const perEntity = () => z.object(Object.fromEntries(importEntities.map((e) => [e, z.number().int()])) as Record<ImportEntity, z.ZodNumber>)

export const importResultSchema = z.object({
  dryRun: z.boolean(),
  created: perEntity(),
  updated: perEntity().describe('records a dataset import (from=acled|ucdp-ged) found again by their dataset ids and rewrote; always 0 for NDJSON'),
  unchanged: z.number().int().describe('records a dataset import found again exactly as stored (not written, no change logged)'),
  refs: z.record(z.string(), z.uuid()).describe('each line\'s ref and the id it was given (not kept on a dry run)')
}).meta({ id: 'ImportResult' })

export type ImportResult = z.infer<typeof importResultSchema>
