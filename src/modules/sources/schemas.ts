import { z } from 'zod'
import { projectionOf } from '../../http/fields.ts'
import { asOfParam } from '../../http/schemas.ts'
import { snapshotParam } from '../../http/snapshot.ts'
import { commaList, instantSchema, listQueryShape, pageOf } from '../../http/list.ts'
import { languageSchema, text, timestamps, timestampInput } from '../../http/schemas.ts'
import { normaliseUrl } from './rules.ts'

export const sourceKinds = ['news_article', 'official_statement', 'social_media', 'report', 'other'] as const

export const sourceSchema = z.object({
  id: z.uuid(),
  url: z.string().describe('normalised: lower-case host, no fragment, no tracking parameters'),
  title: z.string(),
  publisher: z.string(),
  publishedAt: z.iso.datetime().nullable(),
  kind: z.enum(sourceKinds),
  language: z.string().describe('BCP 47 language tag'),
  author: z.string().nullable().describe('who wrote it, as credited'),
  archiveUrl: z.string().nullable().describe('an archived copy (e.g. the Wayback Machine), as given'),
  ...timestamps
}).meta({
  id: 'Source',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a20',
    url: 'https://www.example-news.com/world/asia/afghanistan-pakistan-clashes',
    title: 'Pakistan strikes Afghanistan as border clashes escalate',
    publisher: 'Example News',
    publishedAt: '2025-10-10T06:00:00.000Z',
    kind: 'news_article',
    language: 'en',
    author: null,
    archiveUrl: null,
    createdAt: '2025-10-10T08:00:00.000Z',
    updatedAt: '2025-10-10T08:00:00.000Z',
    version: 1
  }
})

export type SourceView = z.infer<typeof sourceSchema>

/** fields= on sources: the paths, the parameter, and the answers' schemas (full or projected). */
export const sourceProjection = projectionOf(sourceSchema, 'Source')

/** A single read: as it stood at a time, and fields=. */
export const sourceReadQuery = z.strictObject({ fields: sourceProjection.param, asOf: asOfParam })

const urlSchema = z.string().trim().max(2000)
  .refine((u) => normaliseUrl(u) !== null, 'must be an absolute http(s) URL')
  .describe('absolute http(s) URL; unique after normalisation')

const archiveUrlSchema = z.string().trim().max(2000)
  .refine((u) => normaliseUrl(u) !== null, 'must be an absolute http(s) URL')
  .describe('absolute http(s) URL of an archived copy; kept as given')

const publishedAt = timestampInput

export const createSourceSchema = z.strictObject({
  url: urlSchema,
  title: text(500),
  publisher: text(200),
  publishedAt: publishedAt.nullable().default(null),
  kind: z.enum(sourceKinds),
  language: languageSchema,
  author: text(200).nullable().default(null),
  archiveUrl: archiveUrlSchema.nullable().default(null)
}).meta({ id: 'SourceCreate' })

export const patchSourceSchema = z.strictObject({
  url: urlSchema.optional(),
  title: text(500).optional(),
  publisher: text(200).optional(),
  publishedAt: publishedAt.nullable().optional(),
  kind: z.enum(sourceKinds).optional(),
  language: languageSchema.optional(),
  author: text(200).nullable().optional(),
  archiveUrl: archiveUrlSchema.nullable().optional()
}).meta({ id: 'SourcePatch' })

export type CreateSource = z.output<typeof createSourceSchema>
export type PatchSource = z.output<typeof patchSourceSchema>

export const sourceListQuery = z.strictObject({
  fields: sourceProjection.param,
  q: z.string().trim().min(1).max(200).optional().describe('words in the title, publisher or URL (case-insensitive)'),
  publisher: z.string().trim().min(1).max(200).optional().describe('publisher name, case-insensitive exact match'),
  kind: commaList(sourceKinds, 'source kinds').optional(),
  language: z.string().transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(languageSchema).min(1)).optional().describe('language tags; comma-separated, any of'),
  from: instantSchema.optional().describe('publishedAt on or after'),
  to: instantSchema.optional().describe('publishedAt before'),
  asOf: snapshotParam,
  ...listQueryShape(['publishedAt', 'createdAt', 'title'], '-publishedAt')
})

export type SourceListQuery = z.output<typeof sourceListQuery>

export const sourcePage = pageOf(sourceSchema).meta({ id: 'SourcePage' })
