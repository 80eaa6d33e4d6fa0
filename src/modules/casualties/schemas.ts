import { z } from 'zod'
import { listQueryShape, pageOf } from '../../http/list.ts'
import { text, timestamps, timestampInput } from '../../http/schemas.ts'

export const casualtyCategories = ['killed', 'injured', 'missing', 'detained', 'displaced'] as const
export const casualtyQualifiers = ['exact', 'at_least', 'at_most', 'approximately', 'range'] as const
export const casualtyGroups = ['civilians', 'women', 'children', 'militants', 'security_forces', 'unknown'] as const

export const casualtyReportSchema = z.object({
  id: z.uuid(),
  incidentId: z.uuid(),
  reportedById: z.uuid().nullable().describe('the actor who gave the figure; null when unattributed'),
  sourceIds: z.array(z.uuid()),
  category: z.enum(casualtyCategories),
  min: z.number().int().describe('the figure, or the lower bound'),
  max: z.number().int().nullable().describe('upper bound: given with range and at_most only'),
  qualifier: z.enum(casualtyQualifiers),
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
    sourceIds: ['0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a20'],
    category: 'killed',
    min: 3,
    max: null,
    qualifier: 'at_least',
    groups: ['civilians', 'women', 'children'],
    note: 'Afghan defence ministry: at least three killed, including women and children',
    reportedAt: '2025-10-10T07:00:00.000Z',
    createdAt: '2025-10-10T08:00:00.000Z',
    updatedAt: '2025-10-10T08:00:00.000Z',
    version: 1
  }
})

export type CasualtyReportView = z.infer<typeof casualtyReportSchema>

const count = z.number().int().min(0).max(10_000_000)
const timestamp = timestampInput

export const createCasualtySchema = z.strictObject({
  reportedById: z.uuid().nullable().default(null),
  sourceIds: z.array(z.uuid()).max(100).default([]),
  category: z.enum(casualtyCategories),
  min: count,
  max: count.nullable().default(null),
  qualifier: z.enum(casualtyQualifiers),
  groups: z.array(z.enum(casualtyGroups)).max(casualtyGroups.length).default([]),
  note: text(2000).nullable().default(null),
  reportedAt: timestamp.nullable().default(null)
}).meta({ id: 'CasualtyReportCreate' })

export const patchCasualtySchema = z.strictObject({
  reportedById: z.uuid().nullable().optional(),
  sourceIds: z.array(z.uuid()).max(100).optional(),
  category: z.enum(casualtyCategories).optional(),
  min: count.optional(),
  max: count.nullable().optional(),
  qualifier: z.enum(casualtyQualifiers).optional(),
  groups: z.array(z.enum(casualtyGroups)).max(casualtyGroups.length).optional(),
  note: text(2000).nullable().optional(),
  reportedAt: timestamp.nullable().optional()
}).meta({ id: 'CasualtyReportPatch' })

export type CreateCasualty = z.output<typeof createCasualtySchema>
export type PatchCasualty = z.output<typeof patchCasualtySchema>

export const casualtyListQuery = z.strictObject({
  ...listQueryShape(['createdAt'], 'createdAt')
})

export const casualtyPage = pageOf(casualtyReportSchema).meta({ id: 'CasualtyReportPage' })
