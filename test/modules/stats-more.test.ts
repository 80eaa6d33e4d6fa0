import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createIncident } from '../factories/index.ts'

// GET /v1/stats/statements?groupBy= (speaker, kind, month, incident), and the incidents' admin1
// filter and groupBy=admin1.
let t: TestContext
const id: Record<string, string> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

async function stats (what: 'statements' | 'incidents', query: string) {
  const res = await get(`/v1/stats/${what}?${query}`)
  expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200)
  return res.body
}

const place = (name: string, admin1: string | null) => ({ name, admin1, countryCode: 'AF', lat: 33, lon: 69, precision: 'near' })

// Statements (speaker, kind, statedAt, quote, incidents):
//   ispr    accusation  2025-10-10  quote   [kabul]
//   ispr    accusation  2025-10-20  -       [kabul, paktika]
//   ispr    claim       2025-11-01  quote   []
//   iea     denial      2025-10-11  quote   [kabul]
//   iea     denial      2025-11-30T23:30-02:00 (December in UTC)  -  [deleted incident]
// Incidents' admin1: Kabul (kabul), Paktika (paktika), "paktika" (lower case), none (gone, deleted).
beforeAll(async () => {
  t = await createTestApp()
  id.ispr = (await createActor(t, { name: 'Inter-Services Public Relations', kind: 'military' })).id
  id.iea = (await createActor(t, { name: 'Islamic Emirate of Afghanistan', kind: 'government' })).id
  id.kabul = (await createIncident(t, { title: 'Kabul strike', occurredAt: '2025-10-09T21:30:00Z', location: place('Kabul', 'Kabul') })).id
  id.paktika = (await createIncident(t, { title: 'Barmal strike', occurredAt: '2025-10-10T01:00:00Z', location: place('Barmal', 'Paktika') })).id
  id.lower = (await createIncident(t, { title: 'Urgun strike', occurredAt: '2025-10-12T01:00:00Z', location: place('Urgun', 'paktika') })).id
  id.gone = (await createIncident(t, { title: 'Gone', occurredAt: '2025-10-13T01:00:00Z' })).id
  id.nowhere = (await createIncident(t, { title: 'No province', occurredAt: '2025-10-14T01:00:00Z', location: place('Somewhere', null) })).id
  const say = async (speakerId: string, kind: string, statedAt: string, quote: string | null, incidentIds: string[]) => {
    const res = await t.http().post('/v1/statements').set(t.auth()).send({ speakerId, kind, summary: `${kind} ${statedAt}`, language: 'en', statedAt, quote, incidentIds })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
  await say(id.ispr, 'accusation', '2025-10-10T00:00:00Z', 'They did it.', [id.kabul])
  await say(id.ispr, 'accusation', '2025-10-20T00:00:00Z', null, [id.kabul, id.paktika])
  await say(id.ispr, 'claim', '2025-11-01T00:00:00Z', 'We did it.', [])
  await say(id.iea, 'denial', '2025-10-11T00:00:00Z', 'Not us.', [id.kabul])
  await say(id.iea, 'denial', '2025-11-30T23:30:00-02:00', null, [id.gone])
  expect((await t.http().delete(`/v1/incidents/${id.gone}`).set(t.auth())).status).toBe(204)
})

describe('GET /v1/stats/statements', () => {
  it('when grouped by speaker and kind, then counts and quotes per bucket, biggest speaker first', async () => {
    const body = await stats('statements', 'groupBy=speaker,kind')
    expect(body).toEqual({
      groupBy: ['speaker', 'kind'],
      data: [
        { speaker: { id: id.ispr, name: 'Inter-Services Public Relations' }, kind: 'accusation', count: 2, withQuote: 1 },
        { speaker: { id: id.ispr, name: 'Inter-Services Public Relations' }, kind: 'claim', count: 1, withQuote: 1 },
        { speaker: { id: id.iea, name: 'Islamic Emirate of Afghanistan' }, kind: 'denial', count: 2, withQuote: 1 }
      ]
    })
  })

  it('when grouped by month, then UTC months oldest first', async () => {
    const body = await stats('statements', 'groupBy=month')
    expect(body.data).toEqual([
      { month: '2025-10-01', count: 3, withQuote: 2 },
      { month: '2025-11-01', count: 1, withQuote: 1 },
      { month: '2025-12-01', count: 1, withQuote: 0 }
    ])
  })

  it('when grouped by incident, then once per live linked incident, the unlinked (and those linked only to deleted ones) as null', async () => {
    const body = await stats('statements', 'groupBy=incident')
    expect(body.data).toEqual([
      { incident: { id: id.kabul, title: 'Kabul strike' }, count: 3, withQuote: 2 },
      { incident: null, count: 2, withQuote: 1 },
      { incident: { id: id.paktika, title: 'Barmal strike' }, count: 1, withQuote: 0 }
    ])
  })

  it('takes the statement filters; an incident filter also picks the incident buckets', async () => {
    expect((await stats('statements', `groupBy=kind&speaker=${id.iea}`)).data).toEqual([{ kind: 'denial', count: 2, withQuote: 1 }])
    expect((await stats('statements', `groupBy=incident&incident=${id.paktika}`)).data).toEqual([
      { incident: { id: id.paktika, title: 'Barmal strike' }, count: 1, withQuote: 0 }
    ])
    expect((await stats('statements', 'groupBy=kind&from=2025-11-01')).data.map((r: { kind: string }) => r.kind)).toEqual(['claim', 'denial'])
  })

  it('answers CSV with the keys flattened', async () => {
    const res = await get('/v1/stats/statements?groupBy=speaker,month&format=csv')
    expect(res.status).toBe(200)
    const [header, first] = res.text.trim().split('\n')
    expect(header).toBe('speaker.id,speaker.name,month,count,withQuote')
    expect(first).toBe(`${id.ispr},Inter-Services Public Relations,2025-10-01,2,1`)
  })

  it('when groupBy is missing, unknown or repeated, then 400 naming groupBy', async () => {
    for (const query of ['', 'groupBy=type', 'groupBy=kind,kind', 'groupBy=kind,month,speaker']) {
      const res = await get(`/v1/stats/statements?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.body.errors[0].path).toBe('groupBy')
    }
  })
})

describe('incidents by admin1', () => {
  it('when filtered by admin1, then matching is case-insensitive and any of the names', async () => {
    const titles = async (q: string) => (await get(`/v1/incidents?${q}`)).body.data.map((i: { title: string }) => i.title).sort()
    expect(await titles('admin1=Paktika')).toEqual(['Barmal strike', 'Urgun strike'])
    expect(await titles('admin1=kabul,PAKTIKA')).toEqual(['Barmal strike', 'Kabul strike', 'Urgun strike'])
    expect(await titles('admin1=Kandahar')).toEqual([])
  })

  it('when grouped by admin1, then one bucket per recorded name, those without one as null', async () => {
    const body = await stats('incidents', 'groupBy=admin1')
    expect(body.data.map((r: { admin1: string | null, count: number }) => [r.admin1, r.count])).toEqual([
      ['Kabul', 1], ['Paktika', 1], ['paktika', 1], [null, 1]
    ])
    const filtered = await stats('incidents', 'groupBy=admin1,type&admin1=paktika')
    expect(filtered.data.map((r: { admin1: string }) => r.admin1)).toEqual(['Paktika', 'paktika'])
  })

  it('when admin1 is empty, then 400', async () => {
    const res = await get('/v1/incidents?admin1=')
    expect(res.status).toBe(400)
    expect(res.body.errors[0].path).toBe('admin1')
  })
})
