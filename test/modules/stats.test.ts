import { recordQueries } from '../helpers/database.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident } from '../factories/index.ts'

let t: TestContext
const actor: Record<string, { id: string, name: string }> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

async function stats (query: string) {
  const res = await get(`/v1/stats/incidents?${query}`)
  expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200)
  return res.body
}

const figures = (low: number, best: number, high: number) => ({ low, best, high })

// Five incidents with known figures (fatalities low/best/high, contested):
//   A airstrike        AF      2025-10-09T21:30Z         disputed   pak perpetrator, afgov target  3/3/3   contested (denial)
//   B airstrike        AF      2025-10-31T23:30Z         reported   pak perpetrator                5/7/9   contested (5 vs 9)
//   C militant_attack  PK      2025-11-01T00:30+02:00    confirmed  ttp perpetrator, pak target    11/11/11
//   D cross_border_fire AF,PK  2025-11-02T23:30-01:00    reported   pak perpetrator and target,    none
//                                                                  afgov perpetrator
//   E shelling         PK      2025-09-15T08:00Z         confirmed  no actors                      2/3/4   contested (range)
beforeAll(async () => {
  t = await createTestApp()
  const pak = await createActor(t, { name: 'Pakistan Armed Forces', kind: 'military', countryCode: 'PK' })
  const afgov = await createActor(t, { name: 'Afghan Taliban government', kind: 'government', countryCode: 'AF' })
  const ttp = await createActor(t, { name: 'Tehrik-i-Taliban Pakistan', kind: 'armed_group' })
  for (const [key, a] of Object.entries({ pak, afgov, ttp })) actor[key] = { id: a.id, name: a.name }

  const A = await createIncident(t, { type: 'airstrike', status: 'disputed', occurredAt: '2025-10-09T21:30:00Z', countryCodes: ['AF'], actors: [{ actorId: pak.id, role: 'perpetrator' }, { actorId: afgov.id, role: 'target' }] })
  const B = await createIncident(t, { type: 'airstrike', occurredAt: '2025-10-31T23:30:00Z', countryCodes: ['AF'], actors: [{ actorId: pak.id, role: 'perpetrator' }] })
  const C = await createIncident(t, { type: 'militant_attack', status: 'confirmed', occurredAt: '2025-11-01T00:30:00+02:00', countryCodes: ['PK'], actors: [{ actorId: ttp.id, role: 'perpetrator' }, { actorId: pak.id, role: 'target' }] })
  await createIncident(t, { type: 'cross_border_fire', occurredAt: '2025-11-02T23:30:00-01:00', countryCodes: ['AF', 'PK'], actors: [{ actorId: pak.id, role: 'perpetrator' }, { actorId: pak.id, role: 'target' }, { actorId: afgov.id, role: 'perpetrator' }] })
  const E = await createIncident(t, { type: 'shelling', status: 'confirmed', occurredAt: '2025-09-15T08:00:00Z', countryCodes: ['PK'] })

  await addCasualtyReport(t, A.id, { reportedById: afgov.id, min: 3 })
  await addCasualtyReport(t, B.id, { reportedById: afgov.id, min: 5 })
  await addCasualtyReport(t, B.id, { reportedById: pak.id, min: 9 })
  await addCasualtyReport(t, C.id, { reportedById: pak.id, min: 11 })
  await addCasualtyReport(t, E.id, { min: 2, max: 4, qualifier: 'range' })
  const denial = await t.http().post('/v1/statements').set(t.auth()).send({
    speakerId: pak.id, kind: 'denial', summary: 'Pakistan denied striking Kabul.', language: 'en', statedAt: '2025-10-10T09:00:00Z', incidentIds: [A.id]
  })
  expect(denial.status, JSON.stringify(denial.body)).toBe(201)

  const contested = await get('/v1/incidents?contested=true&limit=500')
  expect(contested.body.data.map((i: { id: string }) => i.id).sort()).toEqual([A.id, B.id, E.id].sort())
})

describe('GET /v1/stats/incidents', () => {
  it('when groupBy=type, then one row per type, largest first, ties by name', async () => {
    expect(await stats('groupBy=type')).toEqual({
      groupBy: ['type'],
      data: [
        { type: 'airstrike', count: 2, fatalities: figures(8, 10, 12), contested: 2 },
        { type: 'cross_border_fire', count: 1, fatalities: figures(0, 0, 0), contested: 0 },
        { type: 'militant_attack', count: 1, fatalities: figures(11, 11, 11), contested: 0 },
        { type: 'shelling', count: 1, fatalities: figures(2, 3, 4), contested: 1 }
      ]
    })
  })

  it('when groupBy=status, then one row per status', async () => {
    expect((await stats('groupBy=status')).data).toEqual([
      { status: 'confirmed', count: 2, fatalities: figures(13, 14, 15), contested: 1 },
      { status: 'reported', count: 2, fatalities: figures(5, 7, 9), contested: 1 },
      { status: 'disputed', count: 1, fatalities: figures(3, 3, 3), contested: 1 }
    ])
  })

  it('when groupBy=country, then an incident in two countries counts in both', async () => {
    expect((await stats('groupBy=country')).data).toEqual([
      { country: 'AF', count: 3, fatalities: figures(8, 10, 12), contested: 2 },
      { country: 'PK', count: 3, fatalities: figures(13, 14, 15), contested: 1 }
    ])
  })

  it('when groupBy=actor, then an incident counts once per distinct actor in any role and incidents without actors are left out', async () => {
    expect((await stats('groupBy=actor')).data).toEqual([
      { actor: actor.pak, count: 4, fatalities: figures(19, 21, 23), contested: 2 },
      { actor: actor.afgov, count: 2, fatalities: figures(3, 3, 3), contested: 1 },
      { actor: actor.ttp, count: 1, fatalities: figures(11, 11, 11), contested: 0 }
    ])
  })

  it('when groupBy=actor with actorRole, then only links in those roles form rows, ties by actor name', async () => {
    expect((await stats('groupBy=actor&actorRole=perpetrator')).data).toEqual([
      { actor: actor.pak, count: 3, fatalities: figures(8, 10, 12), contested: 2 },
      { actor: actor.afgov, count: 1, fatalities: figures(0, 0, 0), contested: 0 },
      { actor: actor.ttp, count: 1, fatalities: figures(11, 11, 11), contested: 0 }
    ])
  })

  it('when groupBy=month, then months are UTC, oldest first: 23:30Z on 31 October and 00:30+02:00 on 1 November are October', async () => {
    expect((await stats('groupBy=month')).data).toEqual([
      { month: '2025-09-01', count: 1, fatalities: figures(2, 3, 4), contested: 1 },
      { month: '2025-10-01', count: 3, fatalities: figures(19, 21, 23), contested: 2 },
      { month: '2025-11-01', count: 1, fatalities: figures(0, 0, 0), contested: 0 }
    ])
  })

  it('when groupBy=week, then weeks start on Monday in UTC (a local Sunday 23:30-01:00 is the next Monday\'s week)', async () => {
    expect((await stats('groupBy=week')).data).toEqual([
      { week: '2025-09-15', count: 1, fatalities: figures(2, 3, 4), contested: 1 },
      { week: '2025-10-06', count: 1, fatalities: figures(3, 3, 3), contested: 1 },
      { week: '2025-10-27', count: 2, fatalities: figures(16, 18, 20), contested: 1 },
      { week: '2025-11-03', count: 1, fatalities: figures(0, 0, 0), contested: 0 }
    ])
  })

  it('when groupBy=day, then days are UTC and empty days are left out', async () => {
    expect((await stats('groupBy=day')).data).toEqual([
      { day: '2025-09-15', count: 1, fatalities: figures(2, 3, 4), contested: 1 },
      { day: '2025-10-09', count: 1, fatalities: figures(3, 3, 3), contested: 1 },
      { day: '2025-10-31', count: 2, fatalities: figures(16, 18, 20), contested: 1 },
      { day: '2025-11-03', count: 1, fatalities: figures(0, 0, 0), contested: 0 }
    ])
  })

  it('when groupBy=type,month, then types by their total, largest first, and months oldest first within each', async () => {
    expect(await stats('groupBy=type,month')).toEqual({
      groupBy: ['type', 'month'],
      data: [
        { type: 'airstrike', month: '2025-10-01', count: 2, fatalities: figures(8, 10, 12), contested: 2 },
        { type: 'cross_border_fire', month: '2025-11-01', count: 1, fatalities: figures(0, 0, 0), contested: 0 },
        { type: 'militant_attack', month: '2025-10-01', count: 1, fatalities: figures(11, 11, 11), contested: 0 },
        { type: 'shelling', month: '2025-09-01', count: 1, fatalities: figures(2, 3, 4), contested: 1 }
      ]
    })
  })

  it('when groupBy=month,type, then months oldest first and types by count within each month', async () => {
    expect((await stats('groupBy=month,type')).data).toEqual([
      { month: '2025-09-01', type: 'shelling', count: 1, fatalities: figures(2, 3, 4), contested: 1 },
      { month: '2025-10-01', type: 'airstrike', count: 2, fatalities: figures(8, 10, 12), contested: 2 },
      { month: '2025-10-01', type: 'militant_attack', count: 1, fatalities: figures(11, 11, 11), contested: 0 },
      { month: '2025-11-01', type: 'cross_border_fire', count: 1, fatalities: figures(0, 0, 0), contested: 0 }
    ])
  })

  it('when incident filters are given, then only matching incidents are counted', async () => {
    expect((await stats('groupBy=type&country=AF&from=2025-10-10')).data).toEqual([
      { type: 'airstrike', count: 1, fatalities: figures(5, 7, 9), contested: 1 },
      { type: 'cross_border_fire', count: 1, fatalities: figures(0, 0, 0), contested: 0 }
    ])
    expect((await stats(`groupBy=status&actor=${actor.ttp.id}&contested=false`)).data).toEqual([
      { status: 'confirmed', count: 1, fatalities: figures(11, 11, 11), contested: 0 }
    ])
  })

  it('when groupBy=country with a country filter, then only the filtered countries form rows', async () => {
    expect((await stats('groupBy=country&country=PK')).data).toEqual([
      { country: 'PK', count: 3, fatalities: figures(13, 14, 15), contested: 1 }
    ])
  })

  it('when nothing matches, then data is empty', async () => {
    expect(await stats('groupBy=type&from=2030-01-01')).toEqual({ groupBy: ['type'], data: [] })
  })

  it('when the same stats are asked again, then they come from the cache until a write lands, and the write shows at once', async () => {
    // How many group-bys PostgreSQL ran to answer the query, and the answer.
    const asked = async (query: string) => {
      let body: { data: Array<{ type: string, count: number }> } | undefined
      const sent = await recordQueries(async () => { body = await stats(query) })
      return { body: body!, groupings: sent.filter((q) => q.includes('GROUP BY')).length }
    }
    const before = await asked('groupBy=type&country=AF')
    expect(before.groupings).toBe(1)
    expect(await asked('groupBy=type&country=AF')).toEqual({ body: before.body, groupings: 0 })
    // Another query is another entry.
    expect((await asked('groupBy=type&country=PK')).groupings).toBe(1)
    await createIncident(t, { type: 'airstrike', title: 'Another strike', occurredAt: '2025-10-20T10:00:00Z', countryCodes: ['AF'] })
    const after = await asked('groupBy=type&country=AF')
    expect(after.groupings).toBe(1)
    const count = (body: { data: Array<{ type: string, count: number }> }) => body.data.find((r) => r.type === 'airstrike')!.count
    expect(count(after.body)).toBe(count(before.body) + 1)
  })

  it.each([
    ['', 'groupBy'],
    ['groupBy=region', 'groupBy'],
    ['groupBy=', 'groupBy'],
    ['groupBy=type,month,day', 'groupBy'],
    ['groupBy=type,type', 'groupBy'],
    ['groupBy=type&radiusKm=5', 'radiusKm'],
    ['groupBy=type&minFatalities=5&maxFatalities=1', 'maxFatalities'],
    ['groupBy=type&limit=10', 'limit']
  ])('when %s, then 400 on %s', async (query, path) => {
    const res = await get(`/v1/stats/incidents?${query}`)
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path })
  })
})
