import { z } from 'zod'
import { pageOf } from '../../http/list.ts'
import { actorSchema } from '../actors/schemas.ts'
import { incidentSchema } from '../incidents/schemas.ts'
import { projectionOf } from '../../http/fields.ts'
import { noIncludeAsOf } from '../../http/snapshot.ts'
import { casualtyLedgerShape, casualtyReportSchema } from './schemas.ts'

// Apart from schemas.ts: the incident's schema embeds casualty reports, so the ledger's expanded
// report, which embeds the incident, cannot live beside the report's own schema without a cycle.

export const casualtyLedgerItemSchema = casualtyReportSchema.extend({
  incident: incidentSchema.optional().describe('with include=incident'),
  reportedBy: actorSchema.nullable().optional().describe('with include=reportedBy (null when unattributed)'),
  affectedActor: actorSchema.nullable().optional().describe('with include=affectedActor (null when unstated)')
}).meta({ id: 'CasualtyLedgerReport' })

export type CasualtyLedgerView = z.infer<typeof casualtyLedgerItemSchema>

export const casualtyLedgerPage = pageOf(casualtyLedgerItemSchema).meta({ id: 'CasualtyLedgerPage' })

/** fields= on the ledger: the paths, the parameter, and the answers' schemas (full or projected). */
export const casualtyLedgerProjection = projectionOf(casualtyLedgerItemSchema, 'CasualtyLedgerReport')

export const casualtyLedgerFieldsQuery = noIncludeAsOf(z.strictObject({ ...casualtyLedgerShape, fields: casualtyLedgerProjection.param }))
