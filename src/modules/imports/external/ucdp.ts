import type { ActorKind } from '../../../generated/prisma/enums.ts'
import type { FieldError } from '../../../http/problems.ts'
import { readCsv, type CsvRow } from './csv.ts'
import { alpha2OfName } from './countries.ts'
import { truncate, type ActorKey, type DatasetEvent, type DatasetInfo, type EventFigure } from './events.ts'
import { calendarDate, coordinate, count } from './values.ts'

// UCDP's Georeferenced Event Dataset (GED) CSV mapped onto incidents; see docs/api.md "ACLED and UCDP in".

export const ucdpColumns = ['id', 'relid', 'year', 'type_of_violence', 'conflict_name', 'dyad_name', 'side_a', 'side_b', 'source_article',
  'source_headline', 'where_prec', 'where_description', 'adm_1', 'adm_2', 'latitude', 'longitude', 'country', 'country_id', 'event_clarity',
  'date_prec', 'date_start', 'date_end', 'deaths_a', 'deaths_b', 'deaths_civilians', 'deaths_unknown', 'best', 'high', 'low'] as const

export const ucdp: DatasetInfo = {
  dataset: 'ucdp',
  column: 'id',
  reporter: {
    name: 'UCDP',
    kind: 'other',
    aliases: ['Uppsala Conflict Data Program'],
    description: 'Uppsala Conflict Data Program (Uppsala University): its Georeferenced Event Dataset gives low, best and high estimates of deaths per event.'
  }
}

/** The actor UCDP counts civilian deaths for (side B of one-sided violence). */
export const civiliansActor: ActorKey = { name: 'Civilians', kind: 'other', description: 'Civilians as a party to an event: the people counted in a dataset\'s civilian deaths' }

// type_of_violence: 1 state-based conflict, 2 non-state conflict, 3 one-sided violence (against civilians).
const violence = { 1: 'state-based conflict', 2: 'non-state conflict', 3: 'one-sided violence' } as const
// date_prec: 1 the day, 2 within 2–6 days, 3 within a month, 4 more than a month but within the year, 5 only the year (or longer).
const datePrecisions = { 1: 'day', 2: 'week', 3: 'month', 4: 'year', 5: 'year' } as const
// where_prec: 1 the place, 2 within 25 km of it, 3 the second-order division, 4 the first-order one, 5 a part of the country
// larger than a province (a region, a border), 6 only the country, 7 international waters or airspace.
const locationPrecisions = { 1: 'exact', 2: 'near', 3: 'admin1', 4: 'admin1', 5: 'country', 6: 'country', 7: 'country' } as const

const pick = <T extends Record<number, string>>(table: T, value: string) => (/^\d$/.test(value) ? table[Number(value)] ?? null : null) as T[keyof T] | null

/** A side of the event; side_a of state-based violence is always a government. */
function sideOf (row: CsvRow, side: 'side_a' | 'side_b'): ActorKey | null {
  const name = row.get(side)
  if (name === '') return null
  if (name.toLowerCase() === 'civilians') return civiliansActor
  const id = row.get(`${side}_new_id`)
  const kind: ActorKind = /^government of /i.test(name) ? 'government' : 'armed_group'
  return { name, kind, ...(/^\d+$/.test(id) ? { ucdp: id } : {}) }
}

/** One GED row as an event, or the reasons it cannot be mapped. */
export function ucdpEvent (row: CsvRow): { event: DatasetEvent } | { errors: FieldError[] } {
  const errors: FieldError[] = []
  const fail = (path: string, message: string) => { errors.push({ in: 'body', line: row.at, path, message }); return null }
  const id = /^\d+$/.test(row.get('id')) ? row.get('id') : fail('id', `"${row.get('id')}" is not a GED event id`)
  const kind = pick(violence, row.get('type_of_violence')) ?? fail('type_of_violence', `"${row.get('type_of_violence')}" is not a UCDP type of violence (1, 2 or 3)`)
  const start = calendarDate(row.get('date_start')) ?? fail('date_start', `"${row.get('date_start')}" is not a date`)
  const end = row.get('date_end') === '' ? start : calendarDate(row.get('date_end')) ?? fail('date_end', `"${row.get('date_end')}" is not a date`)
  const datePrecision = pick(datePrecisions, row.get('date_prec')) ?? fail('date_prec', `"${row.get('date_prec')}" is not a UCDP date precision (1 to 5)`)
  const precision = pick(locationPrecisions, row.get('where_prec')) ?? fail('where_prec', `"${row.get('where_prec')}" is not a UCDP place precision (1 to 7)`)
  const countryCode = alpha2OfName(row.get('country')) ?? fail('country', `"${row.get('country')}" is not a country name`)
  const lat = coordinate(row.get('latitude'), 90) ?? fail('latitude', `"${row.get('latitude')}" is not a latitude`)
  const lon = coordinate(row.get('longitude'), 180) ?? fail('longitude', `"${row.get('longitude')}" is not a longitude`)
  const [low, best, high, deathsA, deathsB, deathsCivilians, deathsUnknown] = (['low', 'best', 'high', 'deaths_a', 'deaths_b', 'deaths_civilians', 'deaths_unknown'] as const)
    .map((c) => count(row.get(c)) ?? fail(c, `"${row.get(c)}" is not a number of deaths`))
  if (low !== null && best !== null && high !== null && !(low <= best && best <= high)) fail('best', `low ≤ best ≤ high does not hold (${low}, ${best}, ${high})`)
  if (start !== null && end !== null && end < start) fail('date_end', 'date_end is before date_start')
  const sideA = sideOf(row, 'side_a') ?? fail('side_a', 'the event has no side_a')
  if (errors.length > 0) return { errors }

  const sideB = sideOf(row, 'side_b')
  const place = row.get('where_description') || row.get('adm_2') || row.get('adm_1') || row.get('country')
  const figures: EventFigure[] = [{
    affected: null,
    min: low!,
    max: low === high ? null : high!,
    qualifier: low === high ? 'exact' : 'range',
    groups: [],
    note: `UCDP GED estimates: low ${low}, best ${best}, high ${high}` + (deathsUnknown! > 0 ? `; ${deathsUnknown} of the best estimate on an unknown side` : '')
  }]
  // Side B of one-sided violence is the civilians: its deaths and the civilian deaths are one figure.
  const civiliansDead = deathsCivilians! + (sideB === civiliansActor ? deathsB! : 0)
  const side = (affected: ActorKey, dead: number, groups: EventFigure['groups'] = []): EventFigure[] =>
    dead > 0 ? [{ affected, min: dead, max: null, qualifier: 'exact', groups, note: 'UCDP GED best estimate for this party' }] : []
  figures.push(...side(sideA!, deathsA!))
  if (sideB && sideB !== civiliansActor) figures.push(...side(sideB, deathsB!))
  figures.push(...side(civiliansActor, civiliansDead, ['civilians']))

  const clarity = row.get('event_clarity') === '2' ? ' UCDP codes it with low clarity: an aggregate of several events, or details that sources leave unclear.' : ''
  const headline = row.get('source_headline')
  const articles = row.get('source_article') || 'UCDP GED'
  return {
    event: {
      at: row.at,
      externalId: id!,
      incident: {
        type: kind === 'one-sided violence' ? 'attack_on_civilians' : 'armed_clash',
        title: truncate(`${row.get('dyad_name') || row.get('conflict_name') || 'UCDP event'} in ${place}`, 500),
        summary: truncate(`${row.get('conflict_name') || 'UCDP GED event'} (${kind}).${clarity}`, 10000),
        occurredAt: start,
        endedAt: end !== start ? end : null,
        datePrecision,
        countryCodes: [countryCode],
        location: { name: truncate(place, 300), admin1: row.get('adm_1') === '' ? null : truncate(row.get('adm_1'), 200), countryCode, lat, lon, precision },
        tags: []
      },
      actors: [{ actor: sideA!, role: 'perpetrator' }, ...(sideB ? [{ actor: sideB, role: sideB === civiliansActor ? 'victim' as const : 'target' as const }] : [])],
      source: {
        // GED cites the articles it coded the event from as text: the source is the event's record at UCDP.
        url: `https://ucdp.uu.se/event/${id}`,
        title: headline === '' ? `UCDP GED event ${id}` : headline,
        publisher: articles,
        publishedAt: null
      },
      figures,
      reportedAt: null
    }
  }
}

/** The events of a UCDP GED CSV file, and every row that cannot be mapped. */
export function ucdpEvents (text: string) {
  const { rows, errors } = readCsv(text, ucdpColumns)
  const events: DatasetEvent[] = []
  for (const row of rows) {
    const mapped = ucdpEvent(row)
    if ('event' in mapped) events.push(mapped.event)
    else errors.push(...mapped.errors)
  }
  return { events, errors }
}
