import { recordQueries } from '../helpers/database.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

let t: TestContext
const id: Record<string, string> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

/** The ids of every match, by fixture name, in the API's order. */
async function names (query: string, path = '/v1/incidents') {
  const res = await get(`${path}?limit=500${query ? `&${query}` : ''}`)
  expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200)
  const byId = Object.fromEntries(Object.entries(id).map(([k, v]) => [v, k]))
  return res.body.data.map((i: { id: string }) => byId[i.id])
}
const sorted = async (query: string, path?: string) => (await names(query, path)).sort()

beforeAll(async () => {
  t = await createTestApp()
  const pak = await createActor(t, { name: 'Pakistan Armed Forces', kind: 'military', countryCode: 'PK' })
  const ttp = await createActor(t, { name: 'Tehrik-i-Taliban Pakistan', kind: 'armed_group', aliases: ['TTP'] })
  const afgov = await createActor(t, { name: 'Afghan Taliban government', kind: 'government', countryCode: 'AF' })
  const us = await createActor(t, { name: 'United States', kind: 'state', countryCode: 'US' })
  const s1 = await createSource(t, { title: 'Kabul explosions' })
  const s2 = await createSource(t, { title: 'Orakzai ambush' })
  Object.assign(id, { pak: pak.id, ttp: ttp.id, afgov: afgov.id, us: us.id, s1: s1.id, s2: s2.id })

  const incidents: Record<string, object> = {
    A: { type: 'airstrike', title: 'Pakistani airstrikes hit Kabul', summary: 'Explosions were heard in Kabul late on Thursday.', status: 'disputed', occurredAt: '2025-10-09T21:30:00Z', datePrecision: 'day', location: { name: 'Kabul', admin1: 'Kabul', countryCode: 'AF', lat: 34.5553, lon: 69.2075, precision: 'near' }, actors: [{ actorId: pak.id, role: 'perpetrator' }, { actorId: afgov.id, role: 'target' }], tags: ['cross-border'], sourceIds: [s1.id] },
    B: { type: 'airstrike', title: 'Airstrike in Paktika province market', occurredAt: '2025-10-09T22:00:00Z', location: { name: 'Paktika', countryCode: 'AF', lat: 32.5, lon: 68.8, precision: 'admin1' }, actors: [{ actorId: pak.id, role: 'perpetrator' }], tags: ['cross-border'], sourceIds: [s1.id, s2.id] },
    C: { type: 'militant_attack', title: 'TTP ambush kills soldiers in Orakzai', status: 'confirmed', occurredAt: '2025-10-08T10:00:00Z', location: { name: 'Orakzai', countryCode: 'PK', lat: 33.7, lon: 70.9, precision: 'near' }, actors: [{ actorId: ttp.id, role: 'perpetrator' }, { actorId: pak.id, role: 'target' }], tags: ['ttp'], sourceIds: [s2.id] },
    D: { type: 'cross_border_fire', title: 'Border clashes along the Durand Line', occurredAt: '2025-10-11T20:00:00Z', countryCodes: ['AF', 'PK'], actors: [{ actorId: pak.id, role: 'perpetrator' }, { actorId: afgov.id, role: 'perpetrator' }], tags: ['cross-border', 'border-clash'] },
    E: { type: 'drone_strike', title: 'US drone strike kills Ayman al-Zawahiri in Kabul', status: 'confirmed', occurredAt: '2022-07-31T06:18:00Z', location: { name: 'Sherpur, Kabul', countryCode: 'AF', lat: 34.53, lon: 69.17, precision: 'exact' }, actors: [{ actorId: us.id, role: 'perpetrator' }], tags: ['counter-terrorism'] },
    F: { type: 'shelling', title: 'Shelling near Aleppo', occurredAt: '2024-01-01T00:00:00Z', location: { name: 'Syria', countryCode: 'SY', lat: 36.2, lon: 37.15, precision: 'country' } },
    G: { type: 'other', title: 'Tie one', occurredAt: '2023-05-05T00:00:00Z', countryCodes: ['IR'] },
    H: { type: 'other', title: 'Tie two', occurredAt: '2023-05-05T00:00:00Z', countryCodes: ['IR'] }
  }
  for (const [name, body] of Object.entries(incidents)) id[name] = (await createIncident(t, body as Record<string, unknown>)).id

  await addCasualtyReport(t, id.A, { reportedById: afgov.id, min: 3, qualifier: 'at_least', groups: ['civilians', 'women', 'children'] })
  await addCasualtyReport(t, id.C, { reportedById: pak.id, min: 11, qualifier: 'exact', groups: ['security_forces'] })
  await addCasualtyReport(t, id.C, { reportedById: ttp.id, min: 20, qualifier: 'approximately' })
  await addCasualtyReport(t, id.E, { reportedById: us.id, min: 1, qualifier: 'exact', groups: ['militants'] })
})

describe('POST /v1/incidents', () => {
  it('when valid, then every field comes back with derived fields and the ACLED cross-walk', async () => {
    const res = await get(`/v1/incidents/${id.A}`)
    expect(res.body).toMatchObject({
      type: 'airstrike',
      status: 'disputed',
      occurredAt: '2025-10-09T21:30:00.000Z',
      endedAt: null,
      datePrecision: 'day',
      countryCodes: ['AF'],
      location: { name: 'Kabul', admin1: 'Kabul', countryCode: 'AF', lat: 34.5553, lon: 69.2075, precision: 'near' },
      actors: [{ actorId: id.pak, role: 'perpetrator' }, { actorId: id.afgov, role: 'target' }],
      tags: ['cross-border'],
      sourceIds: [id.s1],
      fatalities: { low: 3, best: 3, high: 3 },
      contested: false,
      acled: { eventType: 'Explosions/Remote violence', subEventType: 'Air/drone strike' },
      version: 2
    })
  })

  it('when countryCodes omits the location\'s country, then it is added', async () => {
    const res = await t.http().post('/v1/incidents').set(t.auth()).send({ type: 'shelling', title: 'Shells across the border', occurredAt: '2025-10-12T00:00:00Z', countryCodes: ['PK'], location: { name: 'Kunar', countryCode: 'AF', lat: 35, lon: 71, precision: 'admin1' } })
    expectMatchesSpec(res, 'POST', '/v1/incidents')
    expect(res.body.countryCodes).toEqual(['PK', 'AF'])
    expect(res.body.location.admin1).toBeNull()
    await t.http().delete(`/v1/incidents/${res.body.id}`).set(t.auth())
  })

  it('when actors or sources are unknown, then 400 names each bad id by path and nothing is written', async () => {
    const before = await t.app.db.incident.count()
    const ghost = '0199c9a8-0000-7000-8000-000000000001'
    const res = await t.http().post('/v1/incidents').set(t.auth()).send({ type: 'raid', title: 'Raid', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: id.pak, role: 'perpetrator' }, { actorId: ghost, role: 'target' }], sourceIds: [ghost] })
    expectMatchesSpec(res, 'POST', '/v1/incidents')
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([
      { in: 'body', path: 'actors.1.actorId', message: `actor ${ghost} does not exist` },
      { in: 'body', path: 'sourceIds.0', message: `source ${ghost} does not exist` }
    ])
    expect(await t.app.db.incident.count()).toBe(before)
  })

  it.each([
    [{ endedAt: '2024-12-31T00:00:00Z' }, 'endedAt'],
    [{ countryCodes: undefined }, 'countryCodes'],
    [{ location: { name: 'Nowhere', countryCode: 'AF', lat: 100, lon: 0, precision: 'exact' } }, 'location.lat'],
    [{ type: 'massacre' }, 'type'],
    [{ tags: ['Not A Tag'] }, 'tags.0'],
    [{ occurredAt: '2025-13-01T00:00:00Z' }, 'occurredAt'],
    [{ fatalities: { low: 1, best: 1, high: 1 } }, 'fatalities']
  ])('when %o, then 400 on %s', async (change, path) => {
    const res = await t.http().post('/v1/incidents').set(t.auth()).send({ type: 'raid', title: 'Raid', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], ...change })
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path)
  })
})

describe('GET /v1/incidents filters', () => {
  it.each([
    ['type=airstrike', ['A', 'B']],
    ['type=airstrike,drone_strike', ['A', 'B', 'E']],
    ['status=confirmed', ['C', 'E']],
    ['country=PK', ['C', 'D']],
    ['country=IR,SY', ['F', 'G', 'H']],
    [`actor=${'PAK'}`, ['A', 'B', 'C', 'D']],
    [`actor=${'PAK'}&actorRole=perpetrator`, ['A', 'B', 'D']],
    ['actorRole=target', ['A', 'C']],
    [`actor=${'US'},${'TTP'}`, ['C', 'E']],
    ['from=2025-10-09&to=2025-10-10', ['A', 'B']],
    ['from=2025-10-09T21:30:00Z&to=2025-10-09T22:00:00Z', ['A']],
    ['minFatalities=2', ['A', 'C']],
    ['maxFatalities=3', ['A', 'E']],
    ['minFatalities=2&maxFatalities=10', ['A']],
    ['contested=true', ['C']],
    ['contested=false', ['A', 'B', 'D', 'E', 'F', 'G', 'H']],
    ['tag=cross-border', ['A', 'B', 'D']],
    ['tag=ttp,counter-terrorism', ['C', 'E']],
    [`source=${'S2'}`, ['B', 'C']],
    ['bbox=60,29,70,38', ['A', 'B', 'E']],
    ['bbox=170,-10,-170,10', []],
    ['near=34.5553,69.2075&radiusKm=10', ['A', 'E']],
    ['near=34.5553,69.2075&radiusKm=1', ['A']],
    ['near=34.5553,69.2075', ['A', 'E']],
    ['precision=exact,near', ['A', 'C', 'E']],
    ['precision=admin1', ['B']],
    ['q=kabul', ['A', 'E']],
    ['q=%22drone%20strike%22', ['E']],
    ['q=airstrike%20-paktika', ['A']],
    ['q=zawahiri%20or%20ttp', ['C', 'E']],
    [`type=airstrike&country=AF&actor=${'PAK'}&from=2025-10-01`, ['A', 'B']],
    [`type=airstrike&country=AF&actor=${'PAK'}&from=2025-10-01&contested=false&minFatalities=1`, ['A']],
    ['updatedSince=2999-01-01', []]
  ])('%s', async (query, expected) => {
    const resolved = query.replace('PAK', id.pak).replace('US', id.us).replace('TTP', id.ttp).replace('S2', id.s2)
    expect(await sorted(resolved)).toEqual(expected)
  })

  it('when includeTotal is set, then page.total counts every match beyond the page', async () => {
    const res = await get('/v1/incidents?country=AF&limit=2&includeTotal=true')
    expect(res.body.data).toHaveLength(2)
    expect(res.body.page.total).toBe(4)
  })

  it.each([
    ['bbox=1,2,3', 'bbox'],
    ['bbox=0,50,10,40', 'bbox'],
    ['radiusKm=5', 'radiusKm'],
    ['near=91,0', 'near'],
    ['minFatalities=5&maxFatalities=1', 'maxFatalities'],
    ['minFatalities=-1', 'minFatalities'],
    ['contested=maybe', 'contested'],
    ['actor=not-a-uuid', 'actor'],
    ['from=2025-02-30', 'from'],
    ['sort=title', 'sort'],
    ['include=everything', 'include'],
    ['precision=street', 'precision'],
    ['typ=airstrike', 'typ']
  ])('when %s, then 400 on %s', async (query, path) => {
    const res = await get(`/v1/incidents?${query}`)
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path })
  })
})

describe('GET /v1/incidents sorting and paging', () => {
  it.each([
    ['-occurredAt', ['D', 'B', 'A', 'C', 'F', 'TIE', 'TIE', 'E']],
    ['occurredAt', ['E', 'TIE', 'TIE', 'F', 'C', 'A', 'B', 'D']],
    ['-fatalities', ['C', 'A', 'E', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL']],
    ['fatalities', ['E', 'A', 'C', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL']]
  ])('when sort=%s, then the order is exact, ties broken by id in the same direction', async (sort, expected) => {
    const order: string[] = await names(`sort=${sort}`)
    const desc = sort.startsWith('-')
    const ties = order.filter((n) => n === 'G' || n === 'H') as string[]
    const nulls = order.filter((n) => ['B', 'D', 'F', 'G', 'H'].includes(n))
    expect(order.map((n) => (sort.includes('fatalities') ? (nulls.includes(n) ? 'NULL' : n) : (ties.includes(n) ? 'TIE' : n)))).toEqual(expected)
    const tied = (sort.includes('fatalities') ? nulls : ties).map((n) => id[n])
    expect(tied).toEqual([...tied].sort().map((x, _i, all) => (desc ? [...all].reverse() : all)[_i]))
  })

  it.each(['-occurredAt', 'occurredAt', '-fatalities', 'fatalities', '-updatedAt', 'updatedAt'])(
    'when walking sort=%s two at a time, then the pages join into the full order with no gap or repeat', async (sort) => {
      const full = await names(`sort=${sort}`)
      const walked: string[] = []
      let url: string | null = `/v1/incidents?sort=${sort}&limit=2`
      let pages = 0
      while (url) {
        const res = await get(url)
        const byId = Object.fromEntries(Object.entries(id).map(([k, v]) => [v, k]))
        walked.push(...res.body.data.map((i: { id: string }) => byId[i.id]))
        const next = res.body.page.nextCursor
        expect(res.headers.link ?? null).toBe(next ? `</v1/incidents?sort=${sort}&limit=2&cursor=${next}>; rel="next"` : null)
        url = next ? `/v1/incidents?sort=${sort}&limit=2&cursor=${next}` : null
        pages++
      }
      expect(walked).toEqual(full)
      expect(pages).toBe(Math.ceil(full.length / 2))
    })

  it('when the same query and cursor are repeated, then the same page comes back', async () => {
    const first = await get('/v1/incidents?limit=3')
    const a = await get(`/v1/incidents?limit=3&cursor=${first.body.page.nextCursor}`)
    const b = await get(`/v1/incidents?limit=3&cursor=${first.body.page.nextCursor}`)
    expect(a.body).toEqual(b.body)
  })

  it('when a cursor is tampered with, then 400 on cursor', async () => {
    const first = await get('/v1/incidents?limit=1&sort=fatalities')
    const [payload, mac] = first.body.page.nextCursor.split('.')
    const forged = Buffer.from(JSON.stringify(['fatalities', '1; DROP TABLE incidents', id.A])).toString('base64url')
    // The signing key is random per database: flip the MAC's first character to one it does not have.
    const otherMac = `${mac[0] === 'x' ? 'y' : 'x'}${mac.slice(1)}`
    for (const cursor of [`${forged}.${mac}`, `${payload}.${otherMac}`, 'x']) {
      const res = await get(`/v1/incidents?sort=fatalities&cursor=${cursor}`)
      expect(res.status).toBe(400)
      expect(res.body.errors[0].path).toBe('cursor')
    }
  })
})

describe('include', () => {
  it('when include=actors,casualties,sources, then related records are expanded inline', async () => {
    const res = await get(`/v1/incidents/${id.A}?include=actors,casualties,sources`)
    expect(res.body.actors.map((a: { actor: { name: string } }) => a.actor.name)).toEqual(['Pakistan Armed Forces', 'Afghan Taliban government'])
    expect(res.body.casualtyReports).toHaveLength(1)
    expect(res.body.casualtyReports[0]).toMatchObject({ category: 'killed', min: 3, qualifier: 'at_least', groups: ['civilians', 'women', 'children'] })
    expect(res.body.sources.map((s: { title: string }) => s.title)).toEqual(['Kabul explosions'])
    const plain = await get(`/v1/incidents/${id.A}`)
    expect(plain.body.casualtyReports).toBeUndefined()
    expect(plain.body.actors[0].actor).toBeUndefined()
  })

  it('costs the same number of queries for a page of 2 and a page of 8', async () => {
    const counted = async (limit: number) => (await recordQueries(async () => {
      const res = await get(`/v1/incidents?limit=${limit}&include=actors,casualties,sources`)
      expect(res.body.data).toHaveLength(limit)
    })).length
    const small = await counted(2)
    const large = await counted(8)
    expect(large).toBe(small)
    // 1 for the change-log position (the ETag), 1 for the page, 1 for its links, 1 per included
    // relation (3), at most 1 for the rate-limit counter.
    expect(large).toBeLessThanOrEqual(7)
  })
})

describe('PATCH and DELETE /v1/incidents/{id}', () => {
  it('when patching with null and a new actor list, then fields clear, links are replaced and version increments', async () => {
    const inc = await createIncident(t, { summary: 'to clear', actors: [{ actorId: id.pak, role: 'perpetrator' }], tags: ['a'] })
    const res = await t.http().patch(`/v1/incidents/${inc.id}`).set(t.auth()).send({ summary: null, actors: [{ actorId: id.ttp, role: 'victim' }], status: 'retracted' })
    expectMatchesSpec(res, 'PATCH', `/v1/incidents/${inc.id}`)
    expect(res.body).toMatchObject({ summary: null, actors: [{ actorId: id.ttp, role: 'victim' }], tags: ['a'], status: 'retracted', version: 2 })
  })

  it('when the patch makes endedAt precede occurredAt, then 400 and nothing changes', async () => {
    const inc = await createIncident(t, { endedAt: '2025-01-02T00:00:00Z' })
    const res = await t.http().patch(`/v1/incidents/${inc.id}`).set(t.auth()).send({ occurredAt: '2025-01-03T00:00:00Z' })
    expect(res.status).toBe(400)
    expect(res.body.errors[0].path).toBe('endedAt')
    expect((await get(`/v1/incidents/${inc.id}`)).body.version).toBe(1)
  })

  it('when deleted, then it leaves lists and single reads', async () => {
    const inc = await createIncident(t, { title: 'Short-lived', countryCodes: ['NP'] })
    const res = await t.http().delete(`/v1/incidents/${inc.id}`).set(t.auth())
    expectMatchesSpec(res, 'DELETE', `/v1/incidents/${inc.id}`)
    expect(res.status).toBe(204)
    expect((await get(`/v1/incidents/${inc.id}`)).status).toBe(404)
    expect(await names('country=NP')).toEqual([])
  })
})

describe('related reads and protected deletes', () => {
  it('GET /v1/actors/{id}/incidents lists the actor\'s incidents in any role, with filters', async () => {
    expect(await sorted('', `/v1/actors/${id.pak}/incidents`)).toEqual(['A', 'B', 'C', 'D'])
    expect(await sorted('actorRole=target', `/v1/actors/${id.pak}/incidents`)).toEqual(['C'])
    const unknown = await get('/v1/actors/0199c9a8-0000-7000-8000-000000000009/incidents')
    expect(unknown.status).toBe(404)
  })

  it('when an actor or source is referenced by live incidents or reports, then DELETE is 409 naming them', async () => {
    const actor = await t.http().delete(`/v1/actors/${id.us}`).set(t.auth())
    expect(actor.status).toBe(409)
    expect(actor.body.referrers).toEqual(expect.arrayContaining([{ entity: 'incident', id: id.E }, { entity: 'casualtyReport', id: expect.any(String) }]))
    const source = await t.http().delete(`/v1/sources/${id.s2}`).set(t.auth())
    expect(source.status).toBe(409)
    expect(source.body.referrers.map((r: { id: string }) => r.id).sort()).toEqual([id.B, id.C].sort())
  })
})
