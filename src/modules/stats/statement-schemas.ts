import { z } from 'zod'
import { formatParam } from '../../http/formats.ts'
import { statementFilterShape, statementKinds } from '../statements/schemas.ts'
import { groupByOf, statsFormats, statsSchema } from './schemas.ts'

export const statementStatDimensions = ['speaker', 'kind', 'month', 'incident'] as const
export type StatementStatDimension = typeof statementStatDimensions[number]

const groupBySchema = groupByOf(statementStatDimensions, 'month is a UTC bucket of statedAt')

export const statementStatsQuery = z.strictObject({ ...statementFilterShape, groupBy: groupBySchema, format: formatParam(statsFormats) })

export type StatementStatsQuery = z.output<typeof statementStatsQuery>

export const statementStatsRowSchema = z.object({
  speaker: z.object({ id: z.uuid(), name: z.string() }).optional().describe('who spoke'),
  kind: z.enum(statementKinds).optional(),
  month: z.iso.date().optional().describe('start of the UTC month of statedAt (YYYY-MM-DD)'),
  incident: z.object({ id: z.uuid(), title: z.string() }).nullable().optional()
    .describe('an incident the statements are linked to; null for the statements linked to none'),
  count: z.number().int().describe('statements in the bucket'),
  withQuote: z.number().int().describe('how many of them carry a verbatim quote')
}).meta({ id: 'StatementStatsRow', description: 'One bucket; only the requested dimensions are present' })

export type StatementStatsRow = z.infer<typeof statementStatsRowSchema>

export const statementStatsSchema = statsSchema(statementStatDimensions, statementStatsRowSchema, 'StatementStats', {
  groupBy: ['speaker', 'kind'],
  data: [
    { speaker: { id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a11', name: 'Inter-Services Public Relations' }, kind: 'accusation', count: 3, withQuote: 2 },
    { speaker: { id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a12', name: 'Islamic Emirate of Afghanistan' }, kind: 'denial', count: 2, withQuote: 1 }
  ]
})
