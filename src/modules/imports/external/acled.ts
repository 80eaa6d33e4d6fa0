import type { ActorKind, ActorRole } from '../../../generated/prisma/enums.ts'
import type { FieldError } from '../../../http/problems.ts'
import { typeOfAcled } from '../../incidents/acled.ts'
import { readCsv, type CsvRow } from './csv.ts'
import { alpha2OfName, alpha2OfNumeric } from './countries.ts'
import { truncate, type ActorKey, type DatasetEvent, type DatasetInfo } from './events.ts'
import { calendarDate, coordinate, count, tagOf } from './values.ts'

// ACLED's CSV export (codebook 2024/2025 columns) mapped onto incidents; see docs/api.md "ACLED and UCDP in".

export const acledColumns = ['event_id_cnty', 'event_date', 'time_precision', 'disorder_type', 'event_type', 'sub_event_type', 'actor1', 'assoc_actor_1',
  'inter1', 'actor2', 'assoc_actor_2', 'inter2', 'interaction', 'civilian_targeting', 'iso', 'region', 'country', 'admin1', 'admin2', 'admin3', 'location',
  'latitude', 'longitude', 'geo_precision', 'source', 'source_scale', 'notes', 'fatalities', 'tags', 'timestamp'] as const

export const acled: DatasetInfo = {
  dataset: 'acled',
  column: 'event_id_cnty',
  reporter: {
    name: 'ACLED',
    kind: 'ngo',
    aliases: ['Armed Conflict Location & Event Data'],
    description: 'Armed Conflict Location & Event Data: a dataset of political violence and protest events, coded from reports. Its fatality figures are conservative estimates.'
  }
}

// time_precision: 1 the day is known, 2 the week, 3 the month.
const datePrecisions = { 1: 'day', 2: 'week', 3: 'month' } as const
// geo_precision: 1 the town itself, 2 near a town or part of a region (coded to a town nearby), 3 only the region (its capital or centroid).
const locationPrecisions = { 1: 'exact', 2: 'near', 3: 'admin1' } as const

// The actor types of inter1/inter2: numbers before the 2024 codebook, words since.
const interKinds: Record<string, ActorKind> = {
  1: 'military',
  'state forces': 'military',
  2: 'armed_group',
  'rebel group': 'armed_group',
  3: 'armed_group',
  'political militia': 'armed_group',
  4: 'armed_group',
  'identity militia': 'armed_group'
}
const civilians = new Set(['7', 'civilians'])

const months = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']

/** event_date as the API gives it (2025-10-09) or as older exports spell it (09 October 2025). */
function eventDate (value: string): string | null {
  const spelled = /^(\d{1,2})[\s-]([A-Za-z]+)[\s-](\d{4})$/.exec(value)
  if (!spelled) return calendarDate(value)
  const month = months.indexOf(spelled[2].toLowerCase()) + 1
  if (month === 0) return null
  return calendarDate(`${spelled[3]}-${String(month).padStart(2, '0')}-${spelled[1].padStart(2, '0')}`)
}

/** The roles of a side: whoever is coded first acts; civilians on the other side are victims; protests and developments take part. */
function rolesOf (row: CsvRow): [ActorRole, ActorRole] {
  const eventType = row.get('event_type').toLowerCase()
  if (eventType === 'protests' || eventType === 'strategic developments') return ['other', 'other']
  const victims = civilians.has(row.get('inter2').toLowerCase()) || eventType === 'violence against civilians'
  return ['perpetrator', victims ? 'victim' : 'target']
}

function sideOf (row: CsvRow, actor: string, assoc: string, inter: string, role: ActorRole) {
  const name = row.get(actor)
  if (name === '') return []
  const kind = interKinds[row.get(inter).toLowerCase()] ?? 'other'
  const key = (n: string): ActorKey => ({ name: n, kind, acled: truncate(n, 200) })
  const associates = row.get(assoc).split(';').map((s) => s.trim()).filter((s) => s !== '')
  return [name, ...associates].map((n) => ({ actor: key(n), role }))
}

/** One ACLED row as an event, or the reasons it cannot be mapped. */
export function acledEvent (row: CsvRow): { event: DatasetEvent } | { errors: FieldError[] } {
  const errors: FieldError[] = []
  const fail = (path: string, message: string) => { errors.push({ in: 'body', line: row.at, path, message }); return null }
  const id = row.get('event_id_cnty') || fail('event_id_cnty', 'the event has no event_id_cnty')
  const date = eventDate(row.get('event_date')) ?? fail('event_date', `"${row.get('event_date')}" is not a date (2025-10-09 or 09 October 2025)`)
  const datePrecision = datePrecisions[row.get('time_precision') as unknown as keyof typeof datePrecisions] ??
    fail('time_precision', `"${row.get('time_precision')}" is not an ACLED time precision (1, 2 or 3)`)
  const type = typeOfAcled(row.get('event_type'), row.get('sub_event_type')) ??
    fail('sub_event_type', `"${row.get('event_type')}: ${row.get('sub_event_type')}" is not an event type of ACLED's codebook`)
  const countryCode = alpha2OfNumeric(row.get('iso')) ?? alpha2OfName(row.get('country')) ??
    fail('iso', `neither iso "${row.get('iso')}" nor country "${row.get('country')}" names a country`)
  const lat = coordinate(row.get('latitude'), 90) ?? fail('latitude', `"${row.get('latitude')}" is not a latitude`)
  const lon = coordinate(row.get('longitude'), 180) ?? fail('longitude', `"${row.get('longitude')}" is not a longitude`)
  const precision = locationPrecisions[row.get('geo_precision') as unknown as keyof typeof locationPrecisions] ??
    fail('geo_precision', `"${row.get('geo_precision')}" is not an ACLED geo precision (1, 2 or 3)`)
  const fatalities = count(row.get('fatalities')) ?? fail('fatalities', `"${row.get('fatalities')}" is not a number of fatalities`)
  const stamp = row.get('timestamp')
  const reportedAt = stamp === '' ? null : /^\d+$/.test(stamp) ? new Date(Number(stamp) * 1000).toISOString() : fail('timestamp', `"${stamp}" is not a Unix timestamp`)
  if (id === null || date === null || datePrecision === null || type === null || countryCode === null || lat === null || lon === null ||
    precision === null || fatalities === null || errors.length > 0) return { errors }

  const [role1, role2] = rolesOf(row)
  const place = row.get('location') || row.get('admin1') || row.get('country')
  const tags = [
    ...(row.get('civilian_targeting') === '' ? [] : ['civilian-targeting']),
    ...row.get('tags').split(';').map(tagOf).filter((t): t is string => t !== null)
  ]
  const sources = row.get('source') || 'ACLED'
  return {
    event: {
      at: row.at,
      externalId: id,
      incident: {
        type,
        title: truncate(`${row.get('sub_event_type')} in ${place}, ${row.get('country') || countryCode}`, 500),
        summary: row.get('notes') === '' ? null : truncate(row.get('notes'), 10000),
        occurredAt: date,
        datePrecision,
        countryCodes: [countryCode],
        location: { name: truncate(place, 300), admin1: row.get('admin1') === '' ? null : truncate(row.get('admin1'), 200), countryCode, lat, lon, precision },
        tags: [...new Set(tags)].slice(0, 50)
      },
      actors: [
        ...sideOf(row, 'actor1', 'assoc_actor_1', 'inter1', role1),
        ...sideOf(row, 'actor2', 'assoc_actor_2', 'inter2', role2)
      ],
      source: {
        // ACLED names the outlets it coded the event from, not their articles: the source is the event's record in ACLED's API.
        url: `https://api.acleddata.com/acled/read?event_id_cnty=${encodeURIComponent(id)}`,
        title: `ACLED event ${id}, coded from ${sources}${row.get('source_scale') ? ` (${row.get('source_scale')})` : ''}`,
        publisher: sources,
        publishedAt: reportedAt
      },
      figures: [{ affected: null, min: fatalities, max: null, qualifier: 'exact', groups: [], note: 'ACLED fatalities: a conservative estimate from its sources' }],
      reportedAt
    }
  }
}

/** The events of an ACLED CSV export, and every row that cannot be mapped. */
export function acledEvents (text: string) {
  const { rows, errors } = readCsv(text, acledColumns)
  const events: DatasetEvent[] = []
  for (const row of rows) {
    const mapped = acledEvent(row)
    if ('event' in mapped) events.push(mapped.event)
    else errors.push(...mapped.errors)
  }
  return { events, errors }
}
