import { z } from 'zod'
import { formatParam } from '../../http/formats.ts'
import { snapshotParam } from '../../http/snapshot.ts'
import { incidentFilterShape, incidentStatuses, incidentTypes, withCrossChecks } from '../incidents/schemas.ts'

export const statDimensions = ['type', 'status', 'country', 'admin1', 'actor', 'day', 'week', 'month'] as const
export type StatDimension = typeof statDimensions[number]

/** `groupBy`: one or two dimensions; the pattern documents both the values and the count in the spec. */
export function groupByOf<const D extends readonly [string, ...string[]]> (dimensions: D, note: string) {
  const dimension = dimensions.join('|')
  return z.string()
    .regex(new RegExp(`^(?:${dimension})(?:,(?:${dimension}))?$`), `must be one or two comma-separated dimensions of: ${dimensions.join(', ')}`)
    .transform((s) => s.split(',') as Array<D[number]>)
    .refine((dims) => new Set(dims).size === dims.length, 'the two dimensions must differ')
    .describe(`what to count by: one or two comma-separated dimensions (${dimensions.join(', ')}); ${note}`)
}

const groupBySchema = groupByOf(statDimensions, 'time buckets are UTC')

export const statsFormats = ['json', 'csv'] as const

export const incidentStatsQuery = withCrossChecks(z.strictObject({ ...incidentFilterShape, groupBy: groupBySchema, format: formatParam(statsFormats), asOf: snapshotParam }))

export type IncidentStatsQuery = z.output<typeof incidentStatsQuery>

const bucketStart = (unit: string) => z.iso.date().optional().describe(`start of the UTC ${unit} (YYYY-MM-DD)`)

export const incidentStatsRowSchema = z.object({
  type: z.enum(incidentTypes).optional(),
  status: z.enum(incidentStatuses).optional(),
  country: z.string().optional().describe('ISO 3166-1 alpha-2 code'),
  admin1: z.string().nullable().optional().describe('the location\'s first-level administrative division, as recorded; null for incidents without one'),
  actor: z.object({ id: z.uuid(), name: z.string() }).optional(),
  day: bucketStart('day'),
  week: bucketStart('week, a Monday (ISO weeks)'),
  month: bucketStart('month'),
  count: z.number().int().describe('incidents in the bucket'),
  fatalities: z.object({ low: z.number().int(), best: z.number().int(), high: z.number().int() })
    .describe('sums of the incidents\' fatality roll-ups; incidents without figures add 0'),
  contested: z.number().int().describe('how many of the incidents are contested')
}).meta({ id: 'IncidentStatsRow', description: 'One bucket; only the requested dimensions are present' })

export type IncidentStatsRow = z.infer<typeof incidentStatsRowSchema>

/** A stats answer: the dimensions asked for and one row per bucket. */
export function statsSchema<const D extends readonly [string, ...string[]], R extends z.ZodType> (dimensions: D, row: R, id: string, example: object) {
  return z.object({
    groupBy: z.array(z.enum(dimensions)).describe('the dimensions, in the order requested'),
    data: z.array(row)
  }).meta({ id, example })
}

export const incidentStatsSchema = statsSchema(statDimensions, incidentStatsRowSchema, 'IncidentStats', {
  groupBy: ['type', 'month'],
  data: [
    { type: 'airstrike', month: '2025-10-01', count: 2, fatalities: { low: 8, best: 10, high: 12 }, contested: 2 },
    { type: 'militant_attack', month: '2025-10-01', count: 1, fatalities: { low: 11, best: 11, high: 11 }, contested: 0 }
  ]
})
