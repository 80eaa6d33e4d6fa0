import { z } from 'zod'
import { commaList, commaUuids, instantSchema, listQueryShape, pageOf, queryBool } from '../../http/list.ts'
import { noIncludeAsOf, snapshotParam } from '../../http/snapshot.ts'
import { asOfParam, languageSchema, text, timestampInput } from '../../http/schemas.ts'
import { formatParam } from '../../http/formats.ts'
import { projectionOf } from '../../http/fields.ts'
import { actorSchema } from '../actors/schemas.ts'
import { sourceSchema } from '../sources/schemas.ts'
import { datePrecisions } from '../common.ts'
import { incidentSchema } from '../incidents/schemas.ts'
import { statementChannels, statementFields, statementKinds, statementSummarySchema } from './summary.ts'

export { statementChannels, statementKinds }

export const statementIncludes = ['speaker', 'incidents', 'aboutActors', 'respondsTo', 'sources'] as const

export const statementSchema = z.object({
  ...statementFields,
  speaker: actorSchema.optional().describe('with include=speaker'),
  incidents: z.array(incidentSchema).optional().describe('with include=incidents'),
  aboutActors: z.array(actorSchema).optional().describe('with include=aboutActors'),
  respondsTo: statementSummarySchema.nullable().optional().describe('with include=respondsTo (null when it was deleted)'),
  sources: z.array(sourceSchema).optional().describe('with include=sources')
}).meta({
  id: 'Statement',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a50',
    speakerId: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a13',
    speakerTitle: 'Spokesman of the Taliban government',
    kind: 'denial',
    summary: 'The Taliban government denied that it harbours the TTP on Afghan soil.',
    quote: 'We do not allow anyone to use Afghanistan’s territory against another country.',
    language: 'en',
    channel: 'press_conference',
    place: 'Kabul',
    originalQuote: null,
    originalLanguage: null,
    statedAt: '2025-10-10T12:00:00.000Z',
    datePrecision: 'day',
    incidentIds: [],
    aboutActorIds: ['0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10'],
    respondsToId: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a51',
    sourceIds: ['0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a20'],
    createdAt: '2025-10-10T13:00:00.000Z',
    updatedAt: '2025-10-10T13:00:00.000Z',
    version: 1
  }
})

export type StatementView = z.infer<typeof statementSchema>

/** fields= on statements: the paths, the parameter, and the answers' schemas (full or projected). */
export const statementProjection = projectionOf(statementSchema, 'Statement')

const timestamp = timestampInput
const ids = z.array(z.uuid()).max(100)
const originalQuote = z.string().min(1).max(20000).describe('verbatim, in the language spoken, when quote is a translation; needs originalLanguage')
const originalLanguage = languageSchema.describe('BCP 47 tag of originalQuote; needs originalQuote')

export const createStatementSchema = z.strictObject({
  speakerId: z.uuid(),
  speakerTitle: text(300).nullable().default(null),
  kind: z.enum(statementKinds),
  summary: text(5000),
  quote: z.string().min(1).max(20000).nullable().default(null).describe('verbatim; not trimmed or normalised'),
  language: languageSchema,
  channel: z.enum(statementChannels).nullable().default(null),
  place: text(300).nullable().default(null).describe('where it was said'),
  originalQuote: originalQuote.nullable().default(null),
  originalLanguage: originalLanguage.nullable().default(null),
  statedAt: timestamp,
  datePrecision: z.enum(datePrecisions).default('exact'),
  incidentIds: ids.default([]),
  aboutActorIds: ids.default([]),
  respondsToId: z.uuid().nullable().default(null),
  sourceIds: ids.default([])
}).meta({ id: 'StatementCreate' })

export const patchStatementSchema = z.strictObject({
  speakerId: z.uuid().optional(),
  speakerTitle: text(300).nullable().optional(),
  kind: z.enum(statementKinds).optional(),
  summary: text(5000).optional(),
  quote: z.string().min(1).max(20000).nullable().optional(),
  language: languageSchema.optional(),
  channel: z.enum(statementChannels).nullable().optional(),
  place: text(300).nullable().optional().describe('where it was said'),
  originalQuote: originalQuote.nullable().optional(),
  originalLanguage: originalLanguage.nullable().optional(),
  statedAt: timestamp.optional(),
  datePrecision: z.enum(datePrecisions).optional(),
  incidentIds: ids.optional().describe('replaces the whole list'),
  aboutActorIds: ids.optional().describe('replaces the whole list'),
  respondsToId: z.uuid().nullable().optional(),
  sourceIds: ids.optional().describe('replaces the whole list')
}).meta({ id: 'StatementPatch' })

export type CreateStatement = z.output<typeof createStatementSchema>
export type PatchStatement = z.output<typeof patchStatementSchema>

export const statementFilterShape = {
  kind: commaList(statementKinds, 'statement kinds').optional(),
  speaker: commaUuids('speakers').optional(),
  aboutActor: commaUuids('actors the statement is about').optional(),
  incident: commaUuids('incidents the statement is linked to').optional(),
  respondsTo: commaUuids('statements answered').optional(),
  from: instantSchema.optional().describe('statedAt on or after (a date or a timestamp)'),
  to: instantSchema.optional().describe('statedAt before (exclusive)'),
  updatedSince: instantSchema.optional().describe('updatedAt on or after'),
  hasQuote: queryBool().optional().describe('true: only statements with a verbatim quote'),
  channel: commaList(statementChannels, 'channels').optional(),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*(,[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)*$/, 'must be comma-separated language tags')
    .transform((s) => s.split(',')).optional().describe('language tags; comma-separated, any of'),
  q: z.string().trim().min(1).max(500).optional().describe('full-text search over summary, quote and originalQuote, web-search syntax: "exact phrase", -word, or')
}

export const statementFormats = ['json', 'ndjson', 'csv', 'parquet'] as const

const listShape = {
  ...statementFilterShape,
  include: commaList(statementIncludes, 'related records to expand inline').optional(),
  fields: statementProjection.param,
  format: formatParam(statementFormats),
  asOf: snapshotParam,
  ...listQueryShape(['statedAt', 'updatedAt'], '-statedAt')
}

export const statementListQuery = noIncludeAsOf(z.strictObject(listShape))
const { speaker: _speaker, ...speakerless } = listShape
export const actorStatementsQuery = noIncludeAsOf(z.strictObject(speakerless))
const { incident: _incident, ...incidentless } = listShape
export const incidentStatementsQuery = noIncludeAsOf(z.strictObject(incidentless))

export type StatementListQuery = z.output<typeof statementListQuery>
export type StatementFilters = Omit<StatementListQuery, 'limit' | 'cursor' | 'includeTotal' | 'sort' | 'include' | 'format' | 'fields' | 'asOf'>

export const statementIncludeQuery = z.strictObject({
  include: commaList(statementIncludes, 'related records to expand inline').optional(),
  fields: statementProjection.param,
  asOf: asOfParam
}).refine((q) => !(q.asOf && q.include), { path: ['include'], message: 'include cannot be combined with asOf' })

export const statementPage = pageOf(statementSchema).meta({ id: 'StatementPage' })
