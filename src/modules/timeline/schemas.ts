import { z } from 'zod'
import { commaCountries, commaList, commaUuids, instantSchema, pageSchema } from '../../http/list.ts'
import { queryNumber } from '../../http/schemas.ts'
import { incidentSchema } from '../incidents/schemas.ts'
import { statementSummarySchema } from '../statements/summary.ts'

export const timelineKinds = ['incident', 'statement'] as const

export const timelineQuery = z.strictObject({
  from: instantSchema.optional().describe('at on or after (a date or a timestamp)'),
  to: instantSchema.optional().describe('at before (exclusive)'),
  country: commaCountries('countries: incidents in them, statements linked to such incidents or made by actors of them').optional(),
  actor: commaUuids('actors: incidents they took part in (any role), statements they made or that are about them').optional(),
  kind: commaList(timelineKinds, 'entry kinds').optional(),
  limit: queryNumber(z.coerce.number().int().min(1).max(500).default(50)).describe('page size, 1..500'),
  cursor: z.string().min(1, 'must not be empty; leave cursor out for the first page').max(2000).optional().describe('opaque cursor from page.nextCursor')
})

export type TimelineQuery = z.output<typeof timelineQuery>

export const timelineEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('incident'), at: z.iso.datetime().describe('occurredAt'), item: incidentSchema }),
  z.object({ kind: z.literal('statement'), at: z.iso.datetime().describe('statedAt'), item: statementSummarySchema })
]).meta({ id: 'TimelineEntry' })

export const timelinePage = z.object({ data: z.array(timelineEntrySchema), page: pageSchema }).meta({ id: 'TimelinePage' })
