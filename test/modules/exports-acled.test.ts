import { parse } from 'csv-parse/sync'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createIncident, createSource } from '../factories/index.ts'

// format=acled-csv: incidents in ACLED's published columns and codes, so a sitrep export drops into
// an existing ACLED pipeline.
let t: TestContext
const id: Record<string, string> = {}

const acledColumns = ['event_id_cnty', 'event_date', 'year', 'time_precision', 'disorder_type', 'event_type', 'sub_event_type', 'actor1',
  'assoc_actor_1', 'inter1', 'actor2', 'assoc_actor_2', 'inter2', 'interaction', 'civilian_targeting', 'iso', 'region', 'country', 'admin1',
  'admin2', 'admin3', 'location', 'latitude', 'longitude', 'geo_precision', 'source', 'source_scale', 'notes', 'fatalities', 'tags', 'timestamp']

async function acled (query: string) {
  const url = `/v1/incidents?format=acled-csv&${query}`
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  expect(res.status, res.text).toBe(200)
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
  expect(res.headers['content-disposition']).toMatch(/incidents-acled-\d{4}-\d{2}-\d{2}\.csv"$/)
  const [header, ...rows] = parse(res.text) as string[][]
  return { header, rows: rows.map((r) => Object.fromEntries(header.map((h, n) => [h, r[n]]))) }
}

beforeAll(async () => {
  t = await createTestApp()
  const paf = await createActor(t, { name: 'Pakistan Air Force', kind: 'military', externalIds: { acled: 'Military Forces of Pakistan (2018-)' } })
  const isi = await createActor(t, { name: 'Inter-Services Intelligence', kind: 'government' })
  const ttp = await createActor(t, { name: 'Tehrik-i-Taliban Pakistan', kind: 'armed_group' })
  const villagers = await createActor(t, { name: 'Villagers of Barmal', kind: 'person' })
  const dawn = await createSource(t, { publisher: 'Dawn' })
  const tolo = await createSource(t, { publisher: 'TOLOnews' })
  id.strike = (await createIncident(t, {
    type: 'airstrike',
    title: 'Strikes in Paktika',
    summary: 'Airstrikes hit houses in Barmal district.',
    occurredAt: '2025-10-09T21:30:00Z',
    datePrecision: 'day',
    location: { name: 'Barmal', admin1: 'Paktika', countryCode: 'AF', lat: 32.75, lon: 69.05, precision: 'near' },
    actors: [
      { actorId: paf.id, role: 'perpetrator' }, { actorId: isi.id, role: 'perpetrator', attribution: 'alleged', assertedById: ttp.id },
      { actorId: villagers.id, role: 'victim' }, { actorId: ttp.id, role: 'target' }
    ],
    sourceIds: [dawn.id, tolo.id],
    tags: ['cross-border', 'night'],
    externalIds: { acled: 'AFG99001' }
  })).id
  await t.http().post(`/v1/incidents/${id.strike}/casualties`).set(t.auth()).send({ category: 'killed', qualifier: 'exact', min: 9 }).expect(201)
  id.clash = (await createIncident(t, {
    type: 'armed_clash',
    title: 'Clash near the border',
    occurredAt: '2025-11-03T00:00:00Z',
    datePrecision: 'week',
    countryCodes: ['PK'],
    actors: [{ actorId: ttp.id, role: 'perpetrator' }]
  })).id
})

describe('format=acled-csv', () => {
  it('when incidents are exported, then the header is ACLED\'s published columns in their order', async () => {
    const { header } = await acled('sort=-occurredAt')
    expect(header).toEqual(acledColumns)
  })

  it('when an incident has actors, place, sources and figures, then they map onto ACLED\'s columns and codes', async () => {
    const { rows } = await acled('sort=occurredAt')
    expect(rows[0]).toEqual({
      event_id_cnty: 'AFG99001',
      event_date: '2025-10-09',
      year: '2025',
      time_precision: '1',
      disorder_type: 'Political violence',
      event_type: 'Explosions/Remote violence',
      sub_event_type: 'Air/drone strike',
      actor1: 'Military Forces of Pakistan (2018-)',
      assoc_actor_1: 'Inter-Services Intelligence',
      inter1: '1',
      actor2: 'Villagers of Barmal',
      assoc_actor_2: 'Tehrik-i-Taliban Pakistan',
      inter2: '7',
      interaction: '17',
      civilian_targeting: 'Civilian targeting',
      iso: '4',
      region: 'Caucasus and Central Asia',
      country: 'Afghanistan',
      admin1: 'Paktika',
      admin2: '',
      admin3: '',
      location: 'Barmal',
      latitude: '32.75',
      longitude: '69.05',
      geo_precision: '2',
      source: 'Dawn; TOLOnews',
      source_scale: '',
      notes: 'Airstrikes hit houses in Barmal district.',
      fatalities: '9',
      tags: 'cross-border; night',
      timestamp: expect.stringMatching(/^\d{10}$/)
    })
  })

  it('when an incident has no ACLED id, no place and one side, then its own id, the country of its codes, and a sole-actor interaction', async () => {
    const { rows } = await acled('sort=occurredAt')
    expect(rows[1]).toMatchObject({
      event_id_cnty: id.clash,
      time_precision: '2',
      event_type: 'Battles',
      actor1: 'Tehrik-i-Taliban Pakistan',
      inter1: '2',
      actor2: '',
      inter2: '',
      interaction: '20',
      civilian_targeting: '',
      iso: '586',
      region: 'South Asia',
      country: 'Pakistan',
      location: '',
      latitude: '',
      geo_precision: '',
      notes: 'Clash near the border',
      fatalities: '0'
    })
  })

  it('takes the list\'s filters', async () => {
    const { rows } = await acled('country=PK')
    expect(rows.map((r) => r.event_id_cnty)).toEqual([id.clash])
  })

  it('when fields= is given with it, then 400: ACLED\'s columns are fixed', async () => {
    const res = await t.http().get('/v1/incidents?format=acled-csv&fields=id')
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'fields' })
  })

  it('is only chosen by format=: Accept text/csv still gives sitrep\'s CSV', async () => {
    const res = await t.http().get('/v1/incidents').set('accept', 'text/csv')
    expect(res.text.split('\n')[0].startsWith('id,type,title')).toBe(true)
  })
})
