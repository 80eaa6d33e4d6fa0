import { z } from 'zod'
import { snapshotParam } from '../../http/snapshot.ts'
import { formatParam } from '../../http/formats.ts'
import { casualtyCategories, casualtyFilterShape } from '../casualties/schemas.ts'
import { groupByOf, statsFormats, statsSchema } from './schemas.ts'

export const casualtyStatDimensions = ['reportedBy', 'affectedActor', 'category', 'country', 'month'] as const
export type CasualtyStatDimension = typeof casualtyStatDimensions[number]

const groupBySchema = groupByOf(casualtyStatDimensions, 'country and month are the incident\'s, month a UTC bucket')

export const casualtyStatsQuery = z.strictObject({ ...casualtyFilterShape, groupBy: groupBySchema, format: formatParam(statsFormats), asOf: snapshotParam })

export type CasualtyStatsQuery = z.output<typeof casualtyStatsQuery>

const actorKey = (who: string) => z.object({ id: z.uuid(), name: z.string() }).nullable().optional().describe(`${who}; null for the reports that name none`)

export const casualtyStatsRowSchema = z.object({
  reportedBy: actorKey('the actor who gave the figures'),
  affectedActor: actorKey('whose people the figures count'),
  category: z.enum(casualtyCategories).optional(),
  country: z.string().optional().describe('ISO 3166-1 alpha-2 code of the incident'),
  month: z.iso.date().optional().describe('start of the UTC month of the incident (YYYY-MM-DD)'),
  count: z.number().int().describe('casualty reports in the bucket'),
  min: z.number().int().describe('the sum of the reports\' min (their figure or lower bound)'),
  max: z.number().int().nullable().describe('the sum of the reports\' upper bounds (max, or min for exact figures); null when a report in the bucket has none (at_least, approximately, unquantified)')
}).meta({ id: 'CasualtyStatsRow', description: 'One bucket; only the requested dimensions are present' })

export type CasualtyStatsRow = z.infer<typeof casualtyStatsRowSchema>

export const casualtyStatsSchema = statsSchema(casualtyStatDimensions, casualtyStatsRowSchema, 'CasualtyStats', {
  groupBy: ['reportedBy', 'category'],
  data: [
    { reportedBy: { id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a12', name: 'Afghan Ministry of Defence' }, category: 'killed', count: 2, min: 5, max: null },
    { reportedBy: null, category: 'killed', count: 1, min: 2, max: 2 }
  ]
})
