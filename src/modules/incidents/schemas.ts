import { z } from 'zod'
import { commaCountries, commaList, commaUuids, countryCodeSchema, instantSchema, listQueryShape, pageOf, queryBool } from '../../http/list.ts'
import { noIncludeAsOf, snapshotParam } from '../../http/snapshot.ts'
import { asOfParam, queryNumber, text, timestamps, timestampInput } from '../../http/schemas.ts'
import { formatParam, formats, type Format } from '../../http/formats.ts'
import { projectionOf } from '../../http/fields.ts'
import { actorSchema } from '../actors/schemas.ts'
import { sourceSchema } from '../sources/schemas.ts'
import { casualtyReportSchema } from '../casualties/schemas.ts'
import { statementSummarySchema } from '../statements/summary.ts'
import { datePrecisions } from '../common.ts'
import { acledDisorderTypes } from './acled.ts'

export { datePrecisions }

export const incidentTypes = ['airstrike', 'drone_strike', 'shelling', 'armed_clash', 'cross_border_fire', 'militant_attack',
  'bombing', 'raid', 'ground_operation', 'arrest', 'protest', 'other', 'attack_on_civilians', 'abduction', 'sexual_violence', 'looting',
  'riot', 'ceasefire', 'agreement', 'negotiation', 'border_closure', 'displacement', 'policy_measure', 'territory_change'] as const
export const incidentStatuses = ['reported', 'confirmed', 'disputed', 'denied', 'retracted'] as const
export const actorRoles = ['perpetrator', 'target', 'victim', 'mediator', 'other'] as const
export const actorAttributions = ['confirmed', 'claimed', 'alleged'] as const
export const locationPrecisions = ['exact', 'near', 'admin1', 'country'] as const
export const incidentIncludes = ['actors', 'casualties', 'sources', 'statements'] as const
export const relationKinds = ['responds_to', 'part_of', 'follows', 'same_as'] as const

const timestamp = timestampInput

export const locationSchema = z.strictObject({
  name: text(300).describe('place name as reported'),
  admin1: text(200).nullable().default(null).describe('first-level administrative division (province, state)'),
  countryCode: countryCodeSchema,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  precision: z.enum(locationPrecisions).describe('exact: the spot; near: within a few km; admin1: the province; country: somewhere in the country')
}).meta({ id: 'Location' })

export const fatalitiesSchema = z.object({
  low: z.number().int(),
  best: z.number().int(),
  high: z.number().int()
}).meta({ id: 'Fatalities', description: 'Roll-up of the killed reports: smallest lower bound, median point estimate, largest upper bound' })

/** The datasets an incident's externalIds name, as `externalId=dataset:id` spells them. */
export const incidentDatasets = ['acled', 'ucdp', 'gdelt'] as const

const externalId = (what: string) => text(100).optional().describe(what)
export const incidentExternalIdsSchema = z.strictObject({
  acled: externalId('ACLED event_id_cnty, e.g. AFG12345'),
  ucdp: externalId('UCDP GED event id'),
  gdelt: externalId('GDELT GLOBALEVENTID')
}).meta({ id: 'IncidentExternalIds', description: 'Identifiers of the same event in other datasets; each is held by one live incident at most' })

const actorAttribution = z.enum(actorAttributions)
  .describe('confirmed: established by independent sources, or admitted by the actor concerned; claimed: the actor claims the role itself ' +
    '(a claim of responsibility); alleged: asserted by another party')

const incidentActorLink = z.strictObject({
  actorId: z.uuid(),
  role: z.enum(actorRoles),
  attribution: actorAttribution.default('confirmed'),
  assertedById: z.uuid().nullable().default(null)
    .describe('who asserts it: required for alleged; for claimed the actor itself (filled in when left out); null for confirmed'),
  statementIds: z.array(z.uuid()).max(20).default([]).describe('existing statements carrying the assertion; each is linked to this incident if it was not')
})

export const incidentRoleSchema = z.object({
  actorId: z.uuid(),
  role: z.enum(actorRoles),
  attribution: actorAttribution,
  assertedById: z.uuid().nullable().describe('the actor who asserts the role; null when confirmed'),
  statementIds: z.array(z.uuid()).describe('the statements that carry the assertion'),
  disputed: z.boolean().describe('derived: a live denial linked to the incident is spoken by this actor, or responds to one of these statements'),
  actor: actorSchema.optional().describe('with include=actors')
}).meta({ id: 'IncidentRole' })

const relationKind = z.enum(relationKinds)
  .describe('responds_to: a retaliation or response to the other incident; part_of: an episode of the other (a campaign), never in a cycle; ' +
    'follows: comes after it in one chain of events; same_as: the same event reported twice (either direction, stored once)')

export const incidentRelationSchema = z.object({
  incidentId: z.uuid().describe('the other incident'),
  kind: relationKind,
  assertedById: z.uuid().nullable().describe('the actor who asserts the link; null when sitrep states it from its sources'),
  statementIds: z.array(z.uuid()).describe('the statements that carry the assertion')
}).meta({ id: 'IncidentRelation' })

const incidentRelationInput = z.strictObject({
  incidentId: z.uuid().describe('the other incident (live, not this one)'),
  kind: relationKind,
  assertedById: z.uuid().nullable().default(null),
  statementIds: z.array(z.uuid()).max(20).default([]).describe('existing statements; each is linked to this incident if it was not')
})

export const incidentSchema = z.object({
  id: z.uuid(),
  type: z.enum(incidentTypes),
  title: z.string(),
  summary: z.string().nullable(),
  status: z.enum(incidentStatuses),
  occurredAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  datePrecision: z.enum(datePrecisions),
  countryCodes: z.array(z.string()),
  location: locationSchema.nullable(),
  actors: z.array(incidentRoleSchema).describe('who took part in what role, and who says so; the same actor and role may be asserted by several parties'),
  tags: z.array(z.string()),
  sourceIds: z.array(z.uuid()),
  relations: z.array(incidentRelationSchema).describe('links from this incident to others (GET /v1/incidents/{id}/related lists both directions)'),
  fatalities: fatalitiesSchema.nullable().describe('derived from the killed casualty reports; null when there are none'),
  contested: z.boolean().describe('derived: a denial is linked, one of the roles is disputed, or the killed reports disagree'),
  externalIds: incidentExternalIdsSchema,
  acled: z.object({ disorderType: z.enum(acledDisorderTypes), eventType: z.string(), subEventType: z.string() })
    .describe('the type in ACLED\'s taxonomy (read-only)'),
  casualtyReports: z.array(casualtyReportSchema).optional().describe('with include=casualties'),
  sources: z.array(sourceSchema).optional().describe('with include=sources'),
  statements: z.array(statementSummarySchema).optional().describe('with include=statements, oldest first'),
  ...timestamps
}).meta({
  id: 'Incident',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a30',
    type: 'airstrike',
    title: 'Pakistani airstrikes in Kabul and Paktika',
    summary: 'Explosions in Kabul and strikes in Paktika province, attributed by the Taliban government to Pakistan.',
    status: 'disputed',
    occurredAt: '2025-10-09T21:30:00.000Z',
    endedAt: null,
    datePrecision: 'day',
    countryCodes: ['AF'],
    location: { name: 'Kabul', admin1: 'Kabul', countryCode: 'AF', lat: 34.5553, lon: 69.2075, precision: 'near' },
    actors: [{ actorId: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a11', role: 'perpetrator', attribution: 'confirmed', assertedById: null, statementIds: [], disputed: false }],
    tags: ['cross-border'],
    sourceIds: ['0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a20'],
    relations: [{ incidentId: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a40', kind: 'responds_to', assertedById: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a11', statementIds: [] }],
    fatalities: { low: 3, best: 3, high: 3 },
    contested: true,
    externalIds: {},
    acled: { disorderType: 'Political violence', eventType: 'Explosions/Remote violence', subEventType: 'Air/drone strike' },
    createdAt: '2025-10-10T08:00:00.000Z',
    updatedAt: '2025-10-10T08:00:00.000Z',
    version: 1
  }
})

export type IncidentView = z.infer<typeof incidentSchema>

/** fields= on incidents: the paths, the parameter, and the answers' schemas (full or projected). */
export const incidentProjection = projectionOf(incidentSchema, 'Incident')

const tagSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tags are lower-case words joined by hyphens')

const incidentFields = {
  type: z.enum(incidentTypes),
  title: text(500),
  summary: text(10000).nullable(),
  status: z.enum(incidentStatuses),
  occurredAt: timestamp.describe('when it happened (start)'),
  endedAt: timestamp.nullable().describe('when it ended, for incidents that lasted'),
  datePrecision: z.enum(datePrecisions),
  countryCodes: z.array(countryCodeSchema).max(20).describe('countries it happened in; defaults to the location\'s country'),
  location: locationSchema.nullable(),
  actors: z.array(incidentActorLink).max(100),
  tags: z.array(tagSchema).max(50),
  sourceIds: z.array(z.uuid()).max(100),
  externalIds: incidentExternalIdsSchema,
  relations: z.array(incidentRelationInput).max(100)
}

export const createIncidentSchema = z.strictObject({
  type: incidentFields.type,
  title: incidentFields.title,
  summary: incidentFields.summary.default(null),
  status: incidentFields.status.default('reported'),
  occurredAt: incidentFields.occurredAt,
  endedAt: incidentFields.endedAt.default(null),
  datePrecision: incidentFields.datePrecision.default('exact'),
  countryCodes: incidentFields.countryCodes.optional(),
  location: incidentFields.location.default(null),
  actors: incidentFields.actors.default([]),
  tags: incidentFields.tags.default([]),
  sourceIds: incidentFields.sourceIds.default([]),
  externalIds: incidentFields.externalIds.default({}),
  relations: incidentFields.relations.default([])
}).meta({ id: 'IncidentCreate' })

export const patchIncidentSchema = z.strictObject({
  type: incidentFields.type.optional(),
  title: incidentFields.title.optional(),
  summary: incidentFields.summary.optional(),
  status: incidentFields.status.optional(),
  occurredAt: incidentFields.occurredAt.optional(),
  endedAt: incidentFields.endedAt.optional(),
  datePrecision: incidentFields.datePrecision.optional(),
  countryCodes: incidentFields.countryCodes.optional(),
  location: incidentFields.location.optional(),
  actors: incidentFields.actors.optional().describe('replaces the whole list'),
  tags: incidentFields.tags.optional().describe('replaces the whole list'),
  sourceIds: incidentFields.sourceIds.optional().describe('replaces the whole list'),
  externalIds: incidentFields.externalIds.optional().describe('replaces the whole set ({} removes every id)'),
  relations: incidentFields.relations.optional().describe('replaces the whole list of outgoing relations')
}).meta({ id: 'IncidentPatch' })

export type CreateIncident = z.output<typeof createIncidentSchema>
export type PatchIncident = z.output<typeof patchIncidentSchema>

const bboxSchema = z.string()
  .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'must be minLon,minLat,maxLon,maxLat')
  .transform((s) => s.split(',').map(Number) as [number, number, number, number])
  .refine(([minLon, minLat, maxLon, maxLat]) => [minLon, maxLon].every((v) => v >= -180 && v <= 180) &&
    [minLat, maxLat].every((v) => v >= -90 && v <= 90) && minLat <= maxLat,
  'longitudes in -180..180, latitudes in -90..90, minLat ≤ maxLat (minLon > maxLon crosses the antimeridian)')
  .describe('minLon,minLat,maxLon,maxLat: incidents located inside this box')

const nearSchema = z.string()
  .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/, 'must be lat,lon')
  .transform((s) => s.split(',').map(Number) as [number, number])
  .refine(([lat, lon]) => lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180, 'lat in -90..90, lon in -180..180')
  .describe('lat,lon: incidents within radiusKm of this point')

// fatalities_best is a PostgreSQL integer; a larger bound would fail in the database instead of here.
const maxInt4 = 2_147_483_647

/** The filters on an incident's roles: when several are given, one and the same role must match them all (filters.ts, roleConditions). */
const roleFilterShape = {
  actor: commaUuids('actors in any role').optional(),
  actorRole: commaList(actorRoles, 'roles; restricts `actor` (or, alone, keeps incidents with an actor in these roles)').optional(),
  attribution: commaList(actorAttributions, 'attributions of a role; with actor, actorRole and assertedBy, one and the same role must match them all').optional(),
  assertedBy: commaUuids('actors asserting a role (alleged or claimed); combined with the other role filters on one role').optional()
}

export const incidentFilterShape = {
  type: commaList(incidentTypes, 'incident types').optional(),
  status: commaList(incidentStatuses, 'statuses').optional(),
  country: commaCountries('countries (matches any of the incident\'s countryCodes)').optional(),
  admin1: z.string().max(4000)
    .regex(/^[^,]*\S[^,]*(,[^,]*\S[^,]*)*$/, 'must be comma-separated names, none empty')
    .transform((s) => s.split(',').map((v) => v.trim()))
    .refine((names) => names.length <= 100, 'at most 100 names')
    .optional().describe('first-level administrative divisions (location.admin1, e.g. Paktika); comma-separated, any of; case-insensitive'),
  ...roleFilterShape,
  from: instantSchema.optional().describe('occurredAt on or after (a date or a timestamp)'),
  to: instantSchema.optional().describe('occurredAt before (exclusive)'),
  updatedSince: instantSchema.optional().describe('updatedAt on or after'),
  minFatalities: queryNumber(z.coerce.number().int().min(0).max(maxInt4)).optional().describe('fatalities.best at least'),
  maxFatalities: queryNumber(z.coerce.number().int().min(0).max(maxInt4)).optional().describe('fatalities.best at most'),
  contested: queryBool().optional().describe('true or false'),
  tag: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}(,[a-z0-9][a-z0-9-]{0,62})*$/, 'must be comma-separated tags')
    .transform((s) => s.split(',')).optional().describe('tags; comma-separated, any of'),
  source: commaUuids('sources cited').optional(),
  externalId: z.string().regex(/^(acled|ucdp|gdelt):.+$/, 'must be dataset:id, e.g. acled:AFG12345')
    .transform((s) => { const at = s.indexOf(':'); return { dataset: s.slice(0, at) as typeof incidentDatasets[number], id: s.slice(at + 1) } })
    .optional().describe('the incident holding this id in another dataset, exactly: acled:AFG12345, ucdp:…, gdelt:…'),
  relatedTo: z.uuid().optional().describe('incidents linked to this incident by a relation, in either direction'),
  bbox: bboxSchema.optional(),
  near: nearSchema.optional(),
  radiusKm: queryNumber(z.coerce.number().positive().max(5000)).optional().describe('radius for near, in km (default 25)'),
  precision: commaList(locationPrecisions, 'location precisions to keep').optional(),
  q: z.string().trim().min(1).max(500).optional().describe('full-text search over title and summary, web-search syntax: "exact phrase", -word, or')
}

export const incidentFormats: readonly Format[] = [...formats, 'parquet', 'acled-csv']

const listShape = {
  ...incidentFilterShape,
  include: commaList(incidentIncludes, 'related records to expand inline').optional(),
  fields: incidentProjection.param,
  format: formatParam([...formats, 'parquet', 'acled-csv']),
  asOf: snapshotParam,
  ...listQueryShape(['occurredAt', 'fatalities', 'updatedAt'], '-occurredAt')
}

export function withCrossChecks<T extends z.ZodType<{ radiusKm?: number, near?: unknown, minFatalities?: number, maxFatalities?: number }>> (schema: T) {
  return schema
    .refine((q) => q.radiusKm === undefined || q.near !== undefined, { path: ['radiusKm'], message: 'radiusKm needs near' })
    .refine((q) => q.minFatalities === undefined || q.maxFatalities === undefined || q.minFatalities <= q.maxFatalities,
      { path: ['maxFatalities'], message: 'maxFatalities must be ≥ minFatalities' })
}

export const incidentListQuery = noIncludeAsOf(withCrossChecks(z.strictObject(listShape)))

const { actor: _actor, ...actorIncidentsShape } = listShape
export const actorIncidentsQuery = noIncludeAsOf(withCrossChecks(z.strictObject(actorIncidentsShape)))

export type IncidentListQuery = z.output<typeof incidentListQuery>
export type IncidentFilters = Omit<IncidentListQuery, 'limit' | 'cursor' | 'includeTotal' | 'sort' | 'include' | 'format' | 'fields'> & {
  /** internal: only incidents with a location (GeoJSON exports) */
  hasLocation?: boolean
}

export const includeQuery = z.strictObject({
  include: commaList(incidentIncludes, 'related records to expand inline').optional(),
  fields: incidentProjection.param,
  asOf: asOfParam
}).refine((q) => !(q.asOf && q.include), { path: ['include'], message: 'include cannot be combined with asOf' })

export const incidentPage = pageOf(incidentSchema).meta({ id: 'IncidentPage' })

export const relationDirections = ['outgoing', 'incoming'] as const

export const relatedIncidentSchema = z.object({
  incidentId: z.uuid().describe('the other incident'),
  kind: z.enum(relationKinds),
  direction: z.enum(relationDirections).describe('outgoing: stored on this incident, pointing at the other; incoming: stored on the other, pointing here'),
  assertedById: z.uuid().nullable(),
  statementIds: z.array(z.uuid()),
  incident: incidentSchema.optional().describe('with include=incident')
}).meta({ id: 'RelatedIncident' })

export const relatedQuery = z.strictObject({
  kind: commaList(relationKinds, 'relation kinds').optional(),
  direction: z.enum(relationDirections).optional().describe('only outgoing or only incoming relations'),
  include: commaList(['incident'] as const, 'the other incident, inline').optional(),
  ...listQueryShape(['kind'], 'kind')
})

export type RelatedQuery = z.output<typeof relatedQuery>

export const relatedPage = pageOf(relatedIncidentSchema).meta({ id: 'RelatedIncidentPage' })
