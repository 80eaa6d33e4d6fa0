import type { Reader } from '../../db/rows.ts'
import { loadActorViews } from '../actors/views.ts'
import type { ActorView } from '../actors/schemas.ts'
import { loadSourceViews } from '../sources/views.ts'
import { acledCountry } from './acled-regions.ts'
import type { IncidentView } from './schemas.ts'

/** ACLED's published columns, in its order: format=acled-csv drops into an ACLED pipeline as it is. */
export const acledColumns = [
  'event_id_cnty', 'event_date', 'year', 'time_precision', 'disorder_type', 'event_type', 'sub_event_type', 'actor1', 'assoc_actor_1',
  'inter1', 'actor2', 'assoc_actor_2', 'inter2', 'interaction', 'civilian_targeting', 'iso', 'region', 'country', 'admin1', 'admin2',
  'admin3', 'location', 'latitude', 'longitude', 'geo_precision', 'source', 'source_scale', 'notes', 'fatalities', 'tags', 'timestamp'
]

// ACLED's time_precision: 1 the day is known, 2 the week, 3 only the month (or less).
const timePrecision = { exact: 1, day: 1, week: 2, month: 3, year: 3 } as const
// ACLED's geo_precision: 1 the place itself, 2 near it or part of a region, 3 a province or larger.
const geoPrecision = { exact: 1, near: 2, admin1: 3, country: 3 } as const

/**
 * ACLED's actor-type codes (inter1, inter2) from our actor kinds: 1 state forces, 2 rebel groups,
 * 3 political militias, 7 civilians, 8 external/other forces. ACLED's 4 (identity militias), 5
 * (rioters) and 6 (protesters) have no kind of their own here; a protest's participants are written as 6.
 */
const interCode: Record<ActorView['kind'], number> = {
  state: 1,
  government: 1,
  military: 1,
  armed_group: 2,
  political_party: 3,
  international_org: 8,
  ngo: 7,
  think_tank: 7,
  media: 7,
  person: 7,
  other: 8
}

const civilianTypes = new Set<IncidentView['type']>(['attack_on_civilians', 'abduction', 'sexual_violence'])

/** The distinct actors of the roles given, in the incident's order. */
function actorsIn (incident: IncidentView, roles: string[], actors: Map<string, ActorView>) {
  const ids = [...new Set(incident.actors.filter((a) => roles.includes(a.role)).map((a) => a.actorId))]
  return ids.map((id) => actors.get(id)).filter((a): a is ActorView => a !== undefined)
}

const nameOf = (a: ActorView | undefined) => (a ? a.externalIds.acled ?? a.name : '')

const protesterCode = 6

/** The tag an ACLED import gives a row coded with civilian targeting (src/modules/imports/external/acled.ts). */
const civilianTag = 'civilian-targeting'

/**
 * The two sides: perpetrators, then targets or victims. A protest has neither (its actors take part,
 * role other): ACLED codes it one-sided, the protesters as actor1 and those who joined as associates.
 * Other events without sides (strategic developments) leave both empty rather than guess who is
 * whose ally.
 */
function sidesOf (i: IncidentView, actors: Map<string, ActorView>) {
  const side1 = actorsIn(i, ['perpetrator'], actors)
  const side2 = actorsIn(i, ['target', 'victim'], actors)
  if (side1.length === 0 && side2.length === 0 && i.acled.eventType === 'Protests') return { protesters: true, sides: [actorsIn(i, ['other'], actors), []] }
  return { protesters: false, sides: [side1, side2] }
}

/**
 * Incidents as ACLED rows: actor1 is the first perpetrator (the others its associates), actor2 the
 * first target or victim; names are the actors' ACLED names where they have one. The interaction
 * is the two inter codes, lower first, or the first followed by 0 for a one-sided event. The
 * actors' and sources' names are read for the whole batch at once.
 */
export async function toAcledRows (on: Reader, incidents: IncidentView[]): Promise<Array<Record<string, string | number | null>>> {
  const actors = await loadActorViews(on, incidents.flatMap((i) => i.actors.map((a) => a.actorId)))
  const sources = await loadSourceViews(on, incidents.flatMap((i) => i.sourceIds))
  return incidents.map((i) => {
    const { protesters, sides: [[actor1, ...assoc1], [actor2, ...assoc2]] } = sidesOf(i, actors)
    const inter1 = actor1 ? (protesters ? protesterCode : interCode[actor1.kind]) : null
    const inter2 = actor2 ? interCode[actor2.kind] : null
    const interaction = inter1 === null ? null : inter2 === null ? inter1 * 10 : Math.min(inter1, inter2) * 10 + Math.max(inter1, inter2)
    const place = i.location
    const { iso, country, region } = acledCountry(place?.countryCode ?? i.countryCodes[0])
    const political = i.acled.disorderType === 'Political violence'
    return {
      event_id_cnty: i.externalIds.acled ?? i.id,
      event_date: i.occurredAt.slice(0, 10),
      year: Number(i.occurredAt.slice(0, 4)),
      time_precision: timePrecision[i.datePrecision],
      disorder_type: i.acled.disorderType,
      event_type: i.acled.eventType,
      sub_event_type: i.acled.subEventType,
      actor1: nameOf(actor1),
      assoc_actor_1: assoc1.map(nameOf).join('; '),
      inter1,
      actor2: nameOf(actor2),
      assoc_actor_2: assoc2.map(nameOf).join('; '),
      inter2,
      interaction,
      civilian_targeting: political && (civilianTypes.has(i.type) || inter2 === 7 || i.tags.includes(civilianTag)) ? 'Civilian targeting' : '',
      iso,
      region,
      country,
      admin1: place?.admin1 ?? '',
      admin2: '',
      admin3: '',
      location: place?.name ?? '',
      latitude: place?.lat ?? null,
      longitude: place?.lon ?? null,
      geo_precision: place ? geoPrecision[place.precision] : null,
      source: [...new Set(i.sourceIds.map((id) => sources.get(id)?.publisher).filter(Boolean))].join('; '),
      source_scale: '',
      notes: i.summary ?? i.title,
      fatalities: i.fatalities?.best ?? 0,
      tags: i.tags.filter((tag) => tag !== civilianTag).join('; '),
      timestamp: Math.floor(Date.parse(i.updatedAt) / 1000)
    }
  })
}
