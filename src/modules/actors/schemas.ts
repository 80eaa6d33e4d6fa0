import { z } from 'zod'
import { projectionOf } from '../../http/fields.ts'
import { asOfParam } from '../../http/schemas.ts'
import { snapshotParam } from '../../http/snapshot.ts'
import { commaCountries, commaList, commaUuids, countryCodeSchema, listQueryShape, pageOf } from '../../http/list.ts'
import { text, timestamps } from '../../http/schemas.ts'

export const actorKinds = ['state', 'government', 'military', 'armed_group', 'political_party', 'international_org',
  'ngo', 'think_tank', 'media', 'person', 'other'] as const

export const externalIdsSchema = z.strictObject({
  wikidata: z.string().regex(/^Q[1-9]\d*$/, 'must be a Wikidata QID such as Q1001').optional().describe('Wikidata QID'),
  acled: text(200).optional().describe('ACLED actor name'),
  ucdp: z.string().regex(/^\d+$/, 'must be a numeric UCDP actor id').optional().describe('UCDP actor id'),
  gdelt: z.string().regex(/^[A-Z0-9]{3,15}$/, 'must be a GDELT/CAMEO actor code such as AFGGOV').optional().describe('GDELT/CAMEO actor code')
}).meta({ id: 'ExternalIds', description: 'Identifiers of the same actor in other datasets' })

export const externalIdNames = ['wikidata', 'acled', 'ucdp', 'gdelt'] as const

export const actorSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(actorKinds),
  aliases: z.array(z.string()),
  countryCode: z.string().nullable(),
  parentId: z.uuid().nullable().describe('the organisation this actor belongs to'),
  title: z.string().nullable(),
  description: z.string().nullable(),
  externalIds: externalIdsSchema,
  mergedIntoId: z.uuid().nullable().describe('set when this actor was merged into another'),
  ...timestamps
}).meta({
  id: 'Actor',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10',
    name: 'Tehrik-i-Taliban Pakistan',
    kind: 'armed_group',
    aliases: ['TTP', 'Pakistani Taliban'],
    countryCode: 'PK',
    parentId: null,
    title: null,
    description: 'Militant group fighting the Pakistani state',
    externalIds: { wikidata: 'Q1141297' },
    mergedIntoId: null,
    createdAt: '2025-10-10T08:00:00.000Z',
    updatedAt: '2025-10-10T08:00:00.000Z',
    version: 1
  }
})

export type ActorView = z.infer<typeof actorSchema>

/** fields= on actors: the paths, the parameter, and the answers' schemas (full or projected). */
export const actorProjection = projectionOf(actorSchema, 'Actor')

/** A single read: as it stood at a time, and fields=. */
export const actorReadQuery = z.strictObject({ fields: actorProjection.param, asOf: asOfParam })

const aliasList = z.array(text(200)).max(50)

export const createActorSchema = z.strictObject({
  name: text(200).describe('the common name; unique (ignoring case and accents) across all names and aliases'),
  kind: z.enum(actorKinds),
  aliases: aliasList.default([]),
  countryCode: countryCodeSchema.nullable().default(null),
  parentId: z.uuid().nullable().default(null),
  title: text(300).nullable().default(null),
  description: text(5000).nullable().default(null),
  externalIds: externalIdsSchema.default({})
}).meta({ id: 'ActorCreate' })

// JSON merge patch (RFC 7386): absent keeps, null clears.
export const patchActorSchema = z.strictObject({
  name: text(200).optional(),
  kind: z.enum(actorKinds).optional(),
  aliases: aliasList.nullable().optional(),
  countryCode: countryCodeSchema.nullable().optional(),
  parentId: z.uuid().nullable().optional(),
  title: text(300).nullable().optional(),
  description: text(5000).nullable().optional(),
  externalIds: z.strictObject({
    wikidata: externalIdsSchema.shape.wikidata.unwrap().nullable().optional(),
    acled: externalIdsSchema.shape.acled.unwrap().nullable().optional(),
    ucdp: externalIdsSchema.shape.ucdp.unwrap().nullable().optional(),
    gdelt: externalIdsSchema.shape.gdelt.unwrap().nullable().optional()
  }).nullable().optional()
}).meta({ id: 'ActorPatch' })

export type CreateActor = z.output<typeof createActorSchema>
export type PatchActor = z.output<typeof patchActorSchema>

export const actorListQuery = z.strictObject({
  fields: actorProjection.param,
  q: z.string().trim().min(1).max(200).optional().describe('prefix of a name or alias, or of a word in it; case- and accent-insensitive'),
  kind: commaList(actorKinds, 'actor kinds').optional(),
  country: commaCountries('country codes').optional(),
  parent: commaUuids('parent actors').optional(),
  externalId: z.string().regex(/^(wikidata|acled|ucdp|gdelt):.+$/, 'must be dataset:id, e.g. wikidata:Q1001')
    .optional().describe('an id in another dataset, as dataset:id (wikidata, acled, ucdp, gdelt)'),
  asOf: snapshotParam,
  ...listQueryShape(['name', 'createdAt'], 'name')
})

export type ActorListQuery = z.output<typeof actorListQuery>

export const actorPage = pageOf(actorSchema).meta({ id: 'ActorPage' })

export const mergeActorSchema = z.strictObject({
  into: z.uuid().describe('the actor that survives')
}).meta({ id: 'ActorMerge' })
