import { z } from 'zod'
import { noIncludeAsOf, snapshotParam } from '../../http/snapshot.ts'
import { commaCountries, commaList, commaUuids, instantSchema, listQueryShape, pageOf } from '../../http/list.ts'
import { text, timestamps, timestampInput } from '../../http/schemas.ts'
import { formatParam } from '../../http/formats.ts'
import { projectionOf } from '../../http/fields.ts'

export const casualtyCategories = ['killed', 'injured', 'missing', 'detained', 'displaced'] as const
export const casualtyQualifiers = ['exact', 'at_least', 'at_most', 'approximately', 'range', 'unquantified'] as const
export const casualtyGroups = ['civilians', 'women', 'children', 'militants', 'security_forces', 'unknown'] as const

export const casualtyReportSchema = z.object({
  id: z.uuid(),
  incidentId: z.uuid(),
  reportedById: z.uuid().nullable().describe('the actor who gave the figure; null when unattributed'),
  affectedActorId: z.uuid().nullable().describe('whose people the figure counts (a side, a force, a population); null when unstated'),
  sourceIds: z.array(z.uuid()),
  category: z.enum(casualtyCategories),
  min: z.number().int().describe('the figure, or the lower bound (with unquantified: the least number the phrase implies)'),
  max: z.number().int().nullable().describe('upper bound: given with range and at_most only'),
  qualifier: z.enum(casualtyQualifiers),
  phrase: z.string().nullable().describe('with unquantified only: the words of the source ("multiple", "dozens")'),
  groups: z.array(z.enum(casualtyGroups)),
  note: z.string().nullable(),
  reportedAt: z.iso.datetime().nullable(),
  ...timestamps
}).meta({
  id: 'CasualtyReport',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a40',
    incidentId: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a30',
    reportedById: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a12',
    affectedActorId: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a14',
    sourceIds: ['0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a20'],
    category: 'killed',
    min: 3,
    max: null,
    qualifier: 'at_least',
    phrase: null,
    groups: ['civilians', 'women', 'children'],
    note: 'Afghan defence ministry: at least three killed, including women and children',
    reportedAt: '2025-10-10T07:00:00.000Z',
    createdAt: '2025-10-10T08:00:00.000Z',
    updatedAt: '2025-10-10T08:00:00.000Z',
    version: 1
  }
})

export type CasualtyReportView = z.infer<typeof casualtyReportSchema>

/** fields= on casualty reports: the paths, the parameter, and the answers' schemas (full or projected). */
export const casualtyProjection = projectionOf(casualtyReportSchema, 'CasualtyReport')

const count = z.number().int().min(0).max(10_000_000)
const timestamp = timestampInput
const phrase = text(40).describe('required with qualifier unquantified, refused with the others: the words of the source, up to 40 characters')

export const createCasualtySchema = z.strictObject({
  reportedById: z.uuid().nullable().default(null),
  affectedActorId: z.uuid().nullable().default(null),
  sourceIds: z.array(z.uuid()).max(100).default([]),
  category: z.enum(casualtyCategories),
  min: count,
  max: count.nullable().default(null),
  qualifier: z.enum(casualtyQualifiers),
  phrase: phrase.nullable().default(null),
  groups: z.array(z.enum(casualtyGroups)).max(casualtyGroups.length).default([]),
  note: text(2000).nullable().default(null),
  reportedAt: timestamp.nullable().default(null)
}).meta({ id: 'CasualtyReportCreate' })

export const patchCasualtySchema = z.strictObject({
  reportedById: z.uuid().nullable().optional(),
  affectedActorId: z.uuid().nullable().optional(),
  sourceIds: z.array(z.uuid()).max(100).optional(),
  category: z.enum(casualtyCategories).optional(),
  min: count.optional(),
  max: count.nullable().optional(),
  qualifier: z.enum(casualtyQualifiers).optional(),
  phrase: phrase.nullable().optional(),
  groups: z.array(z.enum(casualtyGroups)).max(casualtyGroups.length).optional(),
  note: text(2000).nullable().optional(),
  reportedAt: timestamp.nullable().optional()
}).meta({ id: 'CasualtyReportPatch' })

export type CreateCasualty = z.output<typeof createCasualtySchema>
export type PatchCasualty = z.output<typeof patchCasualtySchema>

export const casualtyListQuery = z.strictObject({
  ...listQueryShape(['createdAt'], 'createdAt'),
  fields: casualtyProjection.param
})

export const casualtyReadQuery = z.strictObject({ fields: casualtyProjection.param })

export const casualtyPage = pageOf(casualtyReportSchema).meta({ id: 'CasualtyReportPage' })

// The casualty ledger: every live report, across incidents.
export const casualtyIncludes = ['incident', 'reportedBy', 'affectedActor'] as const
export const casualtyFormats = ['json', 'ndjson', 'csv', 'parquet'] as const

/** The ledger's filters, shared by the list and the casualty stats; values within one filter mean "any of". */
export const casualtyFilterShape = {
  incident: commaUuids('reports on these incidents').optional(),
  reportedBy: commaUuids('figures given by these actors').optional(),
  affectedActor: commaUuids('figures counting these actors\' people').optional(),
  category: commaList(casualtyCategories, 'categories').optional(),
  qualifier: commaList(casualtyQualifiers, 'qualifiers').optional(),
  country: commaCountries('the incident is in one of these countries').optional(),
  from: instantSchema.optional().describe('the incident occurred at or after this instant'),
  to: instantSchema.optional().describe('the incident occurred before this instant')
}

/** The ledger's parameters; ledger-schemas.ts adds fields= (a refined object cannot be extended). */
export const casualtyLedgerShape = {
  ...listQueryShape(['createdAt', 'reportedAt'], 'createdAt'),
  ...casualtyFilterShape,
  include: commaList(casualtyIncludes, 'related records to expand inline').optional(),
  format: formatParam(casualtyFormats),
  asOf: snapshotParam
}

export const casualtyLedgerQuery = noIncludeAsOf(z.strictObject(casualtyLedgerShape))

export type CasualtyLedgerQuery = z.output<typeof casualtyLedgerQuery>
export type CasualtyFilters = Pick<CasualtyLedgerQuery, keyof typeof casualtyFilterShape>
