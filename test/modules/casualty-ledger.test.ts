import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident } from '../factories/index.ts'

// GET /v1/casualties and GET /v1/stats/casualties on one small ledger:
//   strikes (AF, 2025-10-09): MoD says at least 3 Afghan civilians killed; Pakistan says 0–12 killed, whose unstated;
//                             MoD says exactly 7 Afghan civilians injured
//   clashes (AF+PK, 2025-10-12): "multiple fatalities" (unattributed, unquantified, min 2); Pakistan: 23 soldiers killed
//   raid (PK, 2025-11-02): Pakistan: exactly 4 soldiers killed, reported at 2025-11-03

let t: TestContext
let mod: { id: string }
let pakistan: { id: string }
let civilians: { id: string }
let soldiers: { id: string }
let strikes: { id: string }
let clashes: { id: string }
let raid: { id: string }
const r: Record<string, { id: string }> = {}

const get = async (path: string) => {
  const res = await t.http().get(path)
  expectMatchesSpec(res, 'GET', path)
  return res
}
const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((x) => x.id)

beforeAll(async () => {
  t = await createTestApp()
  mod = await createActor(t, { name: 'Afghan Ministry of Defence', kind: 'military' })
  pakistan = await createActor(t, { name: 'Pakistan', kind: 'state' })
  civilians = await createActor(t, { name: 'Afghan civilians', kind: 'other' })
  soldiers = await createActor(t, { name: 'Pakistani soldiers', kind: 'military' })
  strikes = await createIncident(t, { occurredAt: '2025-10-09T22:00:00Z', countryCodes: ['AF'] })
  clashes = await createIncident(t, { occurredAt: '2025-10-12T02:00:00Z', countryCodes: ['AF', 'PK'] })
  raid = await createIncident(t, { occurredAt: '2025-11-02T10:00:00Z', countryCodes: ['PK'] })
  r.modKilled = await addCasualtyReport(t, strikes.id, { reportedById: mod.id, affectedActorId: civilians.id, min: 3, qualifier: 'at_least', reportedAt: '2025-10-10T07:00:00Z' })
  r.pkKilled = await addCasualtyReport(t, strikes.id, { reportedById: pakistan.id, min: 0, max: 12, qualifier: 'at_most' })
  r.modInjured = await addCasualtyReport(t, strikes.id, { reportedById: mod.id, affectedActorId: civilians.id, category: 'injured', min: 7, reportedAt: '2025-10-10T08:00:00Z' })
  r.multiple = await addCasualtyReport(t, clashes.id, { min: 2, qualifier: 'unquantified', phrase: 'multiple' })
  r.pkSoldiers = await addCasualtyReport(t, clashes.id, { reportedById: pakistan.id, affectedActorId: soldiers.id, min: 23 })
  r.raid = await addCasualtyReport(t, raid.id, { reportedById: pakistan.id, affectedActorId: soldiers.id, min: 4, reportedAt: '2025-11-03T00:00:00Z' })
  // Deleted reports are not in the ledger.
  const gone = await addCasualtyReport(t, raid.id, { min: 9, category: 'missing' })
  await t.http().delete(`/v1/casualties/${gone.id}`).set(t.auth()).expect(204)
})

describe('GET /v1/casualties', () => {
  it('lists every live report, oldest first, with the total', async () => {
    const res = await get('/v1/casualties?includeTotal=true')
    expect(res.status).toBe(200)
    expect(ids(res)).toEqual([r.modKilled, r.pkKilled, r.modInjured, r.multiple, r.pkSoldiers, r.raid].map((x) => x.id))
    expect(res.body.page).toEqual({ limit: 50, nextCursor: null, total: 6 })
    expect(res.body.data[3]).toMatchObject({ qualifier: 'unquantified', phrase: 'multiple', min: 2, max: null, reportedById: null, affectedActorId: null })
  })

  it('filters by incident, reporter, affected actor, category, qualifier, and by the incident\'s country and time', async () => {
    const cases: Array<[string, Array<{ id: string }>]> = [
      [`incident=${clashes.id},${raid.id}`, [r.multiple, r.pkSoldiers, r.raid]],
      [`reportedBy=${mod.id}`, [r.modKilled, r.modInjured]],
      [`affectedActor=${soldiers.id}`, [r.pkSoldiers, r.raid]],
      ['category=injured', [r.modInjured]],
      ['qualifier=unquantified,at_most', [r.pkKilled, r.multiple]],
      ['country=PK', [r.multiple, r.pkSoldiers, r.raid]],
      ['from=2025-10-10&to=2025-11-01', [r.multiple, r.pkSoldiers]],
      [`country=AF&reportedBy=${pakistan.id}&category=killed`, [r.pkKilled, r.pkSoldiers]]
    ]
    for (const [query, expected] of cases) {
      const res = await get(`/v1/casualties?${query}`)
      expect(res.status, query).toBe(200)
      expect(ids(res), query).toEqual(expected.map((x) => x.id))
    }
  })

  it('sorts by reportedAt either way with reports without it last, and pages with a signed cursor in that order', async () => {
    const dated = [r.modKilled, r.modInjured, r.raid].map((x) => x.id)
    const undated = [r.pkKilled, r.multiple, r.pkSoldiers].map((x) => x.id)
    expect(ids(await get('/v1/casualties?sort=reportedAt&limit=500'))).toEqual([...dated, ...undated])
    const desc = ids(await get('/v1/casualties?sort=-reportedAt&limit=500'))
    expect(desc.slice(0, 3)).toEqual([...dated].reverse())
    expect(desc.slice(3).sort()).toEqual([...undated].sort())
    const seen: string[] = []
    let path = '/v1/casualties?sort=-reportedAt&limit=2'
    for (;;) {
      const res = await get(path)
      seen.push(...ids(res))
      if (!res.body.page.nextCursor) break
      expect(res.headers.link).toContain('rel="next"')
      path = `/v1/casualties?sort=-reportedAt&limit=2&cursor=${encodeURIComponent(res.body.page.nextCursor)}`
    }
    expect(seen).toEqual(desc)
    const wrongSort = await get(`/v1/casualties?sort=createdAt&limit=2&cursor=${encodeURIComponent((await get('/v1/casualties?sort=-reportedAt&limit=2')).body.page.nextCursor)}`)
    expect(wrongSort.status).toBe(400)
  })

  it('expands the incident, the reporter and the affected actor with include (null where the report names none)', async () => {
    const res = await get(`/v1/casualties?include=incident,reportedBy,affectedActor&incident=${clashes.id}`)
    expect(res.status).toBe(200)
    expect(res.body.data[0]).toMatchObject({ id: r.multiple.id, incident: { id: clashes.id, countryCodes: ['AF', 'PK'] }, reportedBy: null, affectedActor: null })
    expect(res.body.data[1]).toMatchObject({ id: r.pkSoldiers.id, reportedBy: { id: pakistan.id, name: 'Pakistan' }, affectedActor: { id: soldiers.id, name: 'Pakistani soldiers' } })
    const plain = await get(`/v1/casualties?incident=${clashes.id}`)
    expect(plain.body.data[0]).not.toHaveProperty('incident')
  })

  it('streams every match as NDJSON or CSV, in the list\'s order', async () => {
    const nd = await t.http().get(`/v1/casualties?format=ndjson&affectedActor=${soldiers.id}&include=affectedActor`)
    expect(nd.status).toBe(200)
    expect(nd.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    const lines = nd.text.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.id, l.affectedActor.name])).toEqual([[r.pkSoldiers.id, 'Pakistani soldiers'], [r.raid.id, 'Pakistani soldiers']])
    const csv = await t.http().get(`/v1/casualties?incident=${clashes.id}`).set('accept', 'text/csv')
    expect(csv.status).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    const [header, first] = csv.text.trim().split('\n')
    expect(header).toBe('id,incidentId,reportedById,affectedActorId,category,min,max,qualifier,phrase,groups,note,sourceIds,reportedAt,createdAt,updatedAt,version')
    expect(first).toMatch(new RegExp(`^${r.multiple.id},${clashes.id},,,killed,2,,unquantified,multiple,`))
    expect((await t.http().get('/v1/casualties?format=geojson')).status).toBe(400)
    expect((await t.http().get('/v1/casualties').set('accept', 'application/geo+json')).status).toBe(406)
  })

  it('refuses an unknown filter or a bad value with 400', async () => {
    for (const query of ['qualifier=several', 'category=dead', 'country=af', 'reportedBy=nobody', 'sort=min', 'actor=x']) {
      const res = await get(`/v1/casualties?${query}`)
      expect(res.status, query).toBe(400)
    }
  })
})

describe('GET /v1/stats/casualties', () => {
  const stats = async (query: string) => {
    const res = await get(`/v1/stats/casualties?${query}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body
  }

  it('counts and sums by category; max is null where a report has no upper bound', async () => {
    expect(await stats('groupBy=category')).toEqual({
      groupBy: ['category'],
      data: [
        // 3 (at least) + 0–12 + "multiple" (2) + 23 + 4: at_least and unquantified have no upper bound
        { category: 'killed', count: 5, min: 32, max: null },
        { category: 'injured', count: 1, min: 7, max: 7 }
      ]
    })
    // at_most 12 and exact figures only: the upper bounds add up.
    expect((await stats(`groupBy=category&reportedBy=${pakistan.id}`)).data).toEqual([{ category: 'killed', count: 3, min: 27, max: 39 }])
  })

  it('groups by reporter and affected actor, naming them, with null for the reports that name none', async () => {
    const { data } = await stats('groupBy=reportedBy,affectedActor&category=killed')
    expect(data).toEqual([
      { reportedBy: { id: pakistan.id, name: 'Pakistan' }, affectedActor: { id: soldiers.id, name: 'Pakistani soldiers' }, count: 2, min: 27, max: 27 },
      { reportedBy: { id: pakistan.id, name: 'Pakistan' }, affectedActor: null, count: 1, min: 0, max: 12 },
      { reportedBy: { id: mod.id, name: 'Afghan Ministry of Defence' }, affectedActor: { id: civilians.id, name: 'Afghan civilians' }, count: 1, min: 3, max: null },
      { reportedBy: null, affectedActor: null, count: 1, min: 2, max: null }
    ])
  })

  it('groups by the incident\'s country and month; a report counts in each of its incident\'s countries, a country filter picks the buckets', async () => {
    expect((await stats('groupBy=month')).data).toEqual([
      { month: '2025-10-01', count: 5, min: 35, max: null },
      { month: '2025-11-01', count: 1, min: 4, max: 4 }
    ])
    expect((await stats('groupBy=country,month&category=killed')).data).toEqual([
      { country: 'AF', month: '2025-10-01', count: 4, min: 28, max: null },
      { country: 'PK', month: '2025-10-01', count: 2, min: 25, max: null },
      { country: 'PK', month: '2025-11-01', count: 1, min: 4, max: 4 }
    ])
    expect((await stats('groupBy=country&country=PK&category=killed')).data).toEqual([{ country: 'PK', count: 3, min: 29, max: null }])
  })

  it('answers CSV with the keys flattened', async () => {
    const res = await t.http().get(`/v1/stats/casualties?groupBy=reportedBy&format=csv&reportedBy=${mod.id}`)
    expect(res.status).toBe(200)
    expect(res.text.trim().split('\n')).toEqual(['reportedBy.id,reportedBy.name,count,min,max', `${mod.id},Afghan Ministry of Defence,2,10,`])
  })

  it('refuses a missing, unknown, repeated or third dimension with 400', async () => {
    for (const query of ['', 'groupBy=type', 'groupBy=month,month', 'groupBy=category,month,country']) {
      expect((await get(`/v1/stats/casualties?${query}`)).status, query).toBe(400)
    }
  })

  it('sees a new report at once (the cache follows the change log)', async () => {
    const before = (await stats('groupBy=category&category=detained')).data
    expect(before).toEqual([])
    const added = await addCasualtyReport(t, raid.id, { category: 'detained', min: 5 })
    expect((await stats('groupBy=category&category=detained')).data).toEqual([{ category: 'detained', count: 1, min: 5, max: 5 }])
    await t.http().delete(`/v1/casualties/${added.id}`).set(t.auth()).expect(204)
  })
})
