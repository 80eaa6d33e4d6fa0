import { describe, expect, it } from 'vitest'
import { acledCrosswalk, typeOfAcled } from '../../src/modules/incidents/acled.ts'
import { incidentTypes } from '../../src/modules/incidents/schemas.ts'
import { readCsv } from '../../src/modules/imports/external/csv.ts'
import { alpha2OfName, alpha2OfNumeric } from '../../src/modules/imports/external/countries.ts'
import { acledEvent } from '../../src/modules/imports/external/acled.ts'
import { civiliansActor, ucdpEvent } from '../../src/modules/imports/external/ucdp.ts'
import { calendarDate, coordinate, count, tagOf } from '../../src/modules/imports/external/values.ts'

const row = (values: Record<string, string>, at = 2) => ({ at, get: (c: string) => values[c] ?? '' })

describe('the reverse ACLED cross-walk', () => {
  it('brings every type back to a type ACLED files the same way', () => {
    for (const type of incidentTypes) {
      const { eventType, subEventType } = acledCrosswalk[type]
      const back = typeOfAcled(eventType, subEventType)
      expect(back, `${type}: ${eventType} / ${subEventType}`).not.toBeNull()
      expect(acledCrosswalk[back!]).toEqual(acledCrosswalk[type])
    }
  })

  it('knows ACLED\'s sub-event types that no type of ours maps to, ignores case, and refuses the unknown', () => {
    expect(typeOfAcled('Explosions/Remote violence', 'Suicide bomb')).toBe('bombing')
    expect(typeOfAcled('battles', 'ARMED CLASH')).toBe('armed_clash')
    expect(typeOfAcled('Strategic developments', 'Agreement')).toBe('agreement')
    expect(typeOfAcled('Battles', 'Peaceful protest')).toBeNull()
  })
})

describe('dataset values', () => {
  it('reads calendar dates, refusing days that do not exist', () => {
    expect(calendarDate('2025-10-09')).toBe('2025-10-09T00:00:00.000Z')
    expect(calendarDate('2015-01-01 00:00:00.000')).toBe('2015-01-01T00:00:00.000Z')
    expect(calendarDate('2025-02-29')).toBeNull()
    expect(calendarDate('2025-10-09 13:00:00')).toBeNull()
  })

  it('reads coordinates, counts and tags', () => {
    expect(coordinate('-2.88', 90)).toBe(-2.88)
    expect(coordinate('91', 90)).toBeNull()
    expect(coordinate('1e3', 180)).toBeNull()
    expect(count('0')).toBe(0)
    expect(count('-1')).toBeNull()
    expect(tagOf(' Women targeted: Girls ')).toBe('women-targeted-girls')
    expect(tagOf('—')).toBeNull()
  })

  it('names countries by ISO numeric code and by ACLED\'s and UCDP\'s spellings', () => {
    expect(alpha2OfNumeric('4')).toBe('AF')
    expect(alpha2OfNumeric('586')).toBe('PK')
    expect(alpha2OfNumeric('999')).toBeNull()
    expect(alpha2OfName('DR Congo (Zaire)')).toBe('CD')
    expect(alpha2OfName('Russia (Soviet Union)')).toBe('RU')
    expect(alpha2OfName('Syria')).toBe('SY')
    expect(alpha2OfName('Atlantis')).toBeNull()
  })
})

describe('readCsv', () => {
  it('gives each row the line it starts on, across quoted line breaks and empty lines', () => {
    const { rows, errors } = readCsv('\ufeffa,b\n1,"x\ny"\n\n2,z\n', ['a', 'b'])
    expect(errors).toEqual([])
    expect(rows.map((r) => [r.at, r.get('a'), r.get('b')])).toEqual([[2, '1', 'x\ny'], [5, '2', 'z']])
  })

  it('names missing columns and the line of a broken row', () => {
    expect(readCsv('a\n1\n', ['a', 'b']).errors[0].message).toBe('the header lacks the column(s) b')
    expect(readCsv('a,b\n1,2\n3\n', ['a']).errors[0].line).toBe(3)
  })
})

describe('acledEvent', () => {
  const base = {
    event_id_cnty: 'AFG1',
    event_date: '2025-10-09',
    time_precision: '1',
    event_type: 'Violence against civilians',
    sub_event_type: 'Attack',
    actor1: 'Unidentified Armed Group (Afghanistan)',
    inter1: 'Political militia',
    actor2: 'Civilians (Afghanistan)',
    inter2: 'Civilians',
    iso: '4',
    country: 'Afghanistan',
    location: 'Kabul',
    latitude: '34.5',
    longitude: '69.2',
    geo_precision: '1',
    fatalities: '2',
    timestamp: '1760486400'
  }

  it('maps a row onto an incident with roles, a figure and its source', () => {
    const mapped = acledEvent(row(base))
    if (!('event' in mapped)) throw new Error(JSON.stringify(mapped.errors))
    expect(mapped.event.incident).toMatchObject({ type: 'attack_on_civilians', datePrecision: 'day', countryCodes: ['AF'] })
    expect(mapped.event.actors.map((a) => [a.actor.name, a.actor.kind, a.role])).toEqual([
      ['Unidentified Armed Group (Afghanistan)', 'armed_group', 'perpetrator'],
      ['Civilians (Afghanistan)', 'other', 'victim']
    ])
    expect(mapped.event.figures).toMatchObject([{ affected: null, min: 2, qualifier: 'exact' }])
    expect(mapped.event.reportedAt).toBe('2025-10-15T00:00:00.000Z')
  })

  it('lists every column it cannot read, with the row\'s line', () => {
    const mapped = acledEvent(row({ ...base, time_precision: '4', geo_precision: '0', fatalities: 'many', iso: '', country: 'Nowhere' }, 7))
    expect('errors' in mapped && mapped.errors.map((e) => [e.line, e.path])).toEqual([[7, 'time_precision'], [7, 'iso'], [7, 'geo_precision'], [7, 'fatalities']])
  })
})

describe('ucdpEvent', () => {
  const base = {
    id: '1',
    type_of_violence: '3',
    dyad_name: 'IS - Civilians',
    conflict_name: 'IS - Civilians',
    side_a: 'IS',
    side_b: 'Civilians',
    where_prec: '1',
    where_description: 'Kabul',
    latitude: '34.5',
    longitude: '69.2',
    country: 'Afghanistan',
    date_prec: '1',
    date_start: '2025-09-01',
    date_end: '2025-09-01',
    deaths_a: '0',
    deaths_b: '1',
    deaths_civilians: '4',
    deaths_unknown: '0',
    best: '5',
    low: '5',
    high: '5'
  }

  it('counts side B\'s dead with the civilians when side B is the civilians, and gives an exact total when low equals high', () => {
    const mapped = ucdpEvent(row(base))
    if (!('event' in mapped)) throw new Error(JSON.stringify(mapped.errors))
    expect(mapped.event.figures.map((f) => [f.affected?.name ?? null, f.qualifier, f.min, f.max])).toEqual([[null, 'exact', 5, null], ['Civilians', 'exact', 5, null]])
    expect(mapped.event.actors[1]).toEqual({ actor: civiliansActor, role: 'victim' })
    expect(mapped.event.incident.endedAt).toBeNull()
  })
})
