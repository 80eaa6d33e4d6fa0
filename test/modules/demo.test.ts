import { beforeAll, describe, expect, it } from 'vitest'
import { loadDemoData } from '../../src/demo.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext
const actor: Record<string, string> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  expect(res.status, `${url}: ${res.text.slice(0, 300)}`).toBe(200)
  return res
}

beforeAll(async () => {
  t = await createTestApp()
  expect(await loadDemoData(t.app.pool)).toBe(true)
  for (const [key, q] of [['pakistan', 'externalId=wikidata:Q843'], ['taliban', 'q=taliban%20government'], ['mod', 'q=afghan%20ministry'], ['trump', 'q=donald%20trump'], ['kugelman', 'q=kugelman']]) {
    const found = (await get(`/v1/actors?${q}`)).body.data
    expect(found, q).toHaveLength(1)
    actor[key] = found[0].id
  }
})

describe('the demo story', () => {
  it('loads once: a second start finds data and leaves it alone', async () => {
    expect(await loadDemoData(t.app.pool)).toBe(false)
    expect((await get('/v1/incidents?includeTotal=true')).body.page.total).toBe(4)
  })

  it('answers "Pakistan\'s airstrikes in Afghanistan" with the defence ministry\'s figure', async () => {
    const res = await get(`/v1/incidents?type=airstrike&country=AF&actor=${actor.pakistan}&actorRole=perpetrator`)
    expect(res.body.data).toHaveLength(1)
    expect(res.body.data[0]).toMatchObject({ type: 'airstrike', fatalities: { low: 3, best: 3, high: 3 } })
  })

  it('answers "the denial and what it answers"', async () => {
    const res = await get('/v1/statements?kind=denial&include=speaker,respondsTo')
    expect(res.body.data).toHaveLength(1)
    expect(res.body.data[0].speaker.name).toBe('Islamic Emirate of Afghanistan')
    expect(res.body.data[0].respondsTo).toMatchObject({ kind: 'accusation', speakerId: actor.pakistan })
  })

  it('answers "who says what about the strikes"', async () => {
    const strikes = (await get('/v1/incidents?type=airstrike&country=AF')).body.data[0]
    const res = await get(`/v1/incidents/${strikes.id}/accounts`)
    const mod = res.body.accounts.find((a: { actor: { id: string } | null }) => a.actor?.id === actor.mod)
    expect(mod.casualtyReports).toEqual([expect.objectContaining({ category: 'killed', min: 3, qualifier: 'at_least', groups: ['civilians', 'women', 'children'] })])
    expect(mod.statements.map((s: { kind: string }) => s.kind)).toContain('condemnation')
    expect(res.body.accounts.map((a: { actor: { id: string } | null }) => a.actor?.id)).toEqual(expect.arrayContaining([actor.pakistan]))
  })

  it('keeps the verbatim quotes byte for byte, with their curly apostrophes', async () => {
    const offer = (await get(`/v1/actors/${actor.trump}/statements`)).body.data
    expect(offer).toHaveLength(1)
    expect(offer[0]).toMatchObject({ kind: 'offer', speakerTitle: 'Former U.S. President' })
    expect(offer[0].quote).toContain('I’m good at solving wars, I’m good at making peace')
    const analyst = (await get(`/v1/statements?speaker=${actor.kugelman}&kind=assessment`)).body.data
    expect(analyst.length).toBe(2)
    expect(analyst.every((s: { quote: string | null }) => s.quote !== null)).toBe(true)
  })

  it('serves the timeline, a CSV download and a GeoJSON map file', async () => {
    const timeline = await get('/v1/timeline?limit=5')
    expect(timeline.body.data).toHaveLength(5)
    const csv = await t.http().get('/v1/incidents?format=csv')
    expect(csv.text.trimEnd().split('\n')).toHaveLength(5)
    const geo = JSON.parse((await t.http().get('/v1/incidents?format=geojson')).text)
    expect(geo.features.length).toBeGreaterThan(0)
    for (const f of geo.features) expect(f.geometry.coordinates).toHaveLength(2)
  })
})
