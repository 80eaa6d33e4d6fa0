import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadDemoData } from '../../src/demo.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

// The demo story (data/demo/story.ndjson) re-tells /work/shared/seed-article.txt, kept beside the
// story as data/demo/seed-article.txt; data/demo/README.md maps every sentence to its records.

let t: TestContext
let article: string
const actor: Record<string, string> = {}
const incident: Record<string, string> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  expect(res.status, `${url}: ${res.text.slice(0, 300)}`).toBe(200)
  return res
}

/** A quote is the article's words: one run of its text, or fragments of it joined with " […] ", in the article's order. */
function expectArticleWords (quote: string) {
  let from = 0
  for (const fragment of quote.split(' […] ')) {
    expect(fragment.length, quote).toBeGreaterThan(0)
    const at = article.indexOf(fragment, from)
    expect(at, `"${fragment}" is not in the article (after position ${from})`).toBeGreaterThanOrEqual(0)
    from = at + fragment.length
  }
}

beforeAll(async () => {
  t = await createTestApp()
  expect(await loadDemoData(t.app.pool)).toBe(true)
  article = await readFile(new URL('../../data/demo/seed-article.txt', import.meta.url), 'utf8')
  for (const [key, q] of [['pakistan', 'externalId=wikidata:Q843'], ['taliban', 'q=taliban%20government'], ['mod', 'q=afghan%20ministry'],
    ['civilians', 'q=afghan%20civilians'], ['ttp', 'q=ttp'], ['trump', 'q=donald%20trump'], ['kugelman', 'q=kugelman'], ['china', 'externalId=wikidata:Q148']]) {
    const found = (await get(`/v1/actors?${q}`)).body.data
    expect(found, q).toHaveLength(1)
    actor[key] = found[0].id
  }
  for (const [key, q] of [['strikes', `type=airstrike&country=AF&actor=${actor.pakistan}`], ['clashes', 'type=cross_border_fire'], ['ttpAttacks', 'type=militant_attack'],
    ['talks', 'type=negotiation'], ['kabul', 'type=airstrike&to=2023-01-01']]) {
    const found = (await get(`/v1/incidents?${q}`)).body.data
    expect(found, q).toHaveLength(1)
    incident[key] = found[0].id
  }
})

describe('the demo story', () => {
  it('loads once: a second start finds data and leaves it alone', async () => {
    expect(await loadDemoData(t.app.pool)).toBe(false)
    const total = async (path: string) => (await get(`${path}?includeTotal=true&limit=1`)).body.page.total
    expect({
      actors: await total('/v1/actors'),
      sources: await total('/v1/sources'),
      incidents: await total('/v1/incidents'),
      casualtyReports: await total('/v1/casualties'),
      statements: await total('/v1/statements')
    }).toEqual({ actors: 15, sources: 1, incidents: 5, casualtyReports: 3, statements: 9 })
  })

  it('answers "Pakistan\'s airstrikes in Afghanistan" with the defence ministry\'s figure, dated and placed no finer than the article allows', async () => {
    const res = await get(`/v1/incidents?type=airstrike&country=AF&actor=${actor.pakistan}&actorRole=perpetrator`)
    expect(res.body.data).toHaveLength(1)
    expect(res.body.data[0]).toMatchObject({
      id: incident.strikes,
      fatalities: { low: 3, best: 3, high: 3 },
      occurredAt: '2025-10-13T00:00:00.000Z',
      datePrecision: 'day',
      location: { name: 'Afghanistan', admin1: null, precision: 'country' }
    })
  })

  it('keeps the defence ministry\'s "at least three, including women and children" with its reporter and whose dead it counts', async () => {
    const res = await get(`/v1/casualties?reportedBy=${actor.mod}&include=reportedBy,affectedActor`)
    expect(res.body.data).toHaveLength(1)
    expect(res.body.data[0]).toMatchObject({
      incidentId: incident.strikes,
      category: 'killed',
      min: 3,
      max: null,
      qualifier: 'at_least',
      phrase: null,
      groups: ['women', 'children'],
      affectedActorId: actor.civilians,
      reportedBy: { name: 'Afghan Ministry of Defence' },
      affectedActor: { name: 'Afghan civilians', kind: 'other' }
    })
  })

  it('stores "multiple fatalities" in the clashes as an unquantified figure with its phrase and no reporter', async () => {
    const res = await get('/v1/casualties?qualifier=unquantified')
    expect(res.body.data).toHaveLength(1)
    expect(res.body.data[0]).toMatchObject({
      incidentId: incident.clashes, category: 'killed', qualifier: 'unquantified', phrase: 'multiple', min: 2, max: null, reportedById: null, affectedActorId: null
    })
    expect(article).toContain(`${res.body.data[0].phrase} fatalities`)
    const clashes = (await get(`/v1/incidents/${incident.clashes}`)).body
    expect(clashes).toMatchObject({ datePrecision: 'week', location: null, fatalities: { low: 2 } })
  })

  it('links the strikes to the TTP attacks as a response, asserted by Pakistan in its confirmation', async () => {
    const [confirmation] = (await get(`/v1/statements?speaker=${actor.pakistan}&kind=confirmation`)).body.data
    const related = (await get(`/v1/incidents/${incident.strikes}/related`)).body.data
    expect(related).toEqual([expect.objectContaining({
      incidentId: incident.ttpAttacks, kind: 'responds_to', direction: 'outgoing', assertedById: actor.pakistan, statementIds: [confirmation.id]
    })])
    const back = (await get(`/v1/incidents/${incident.ttpAttacks}/related`)).body.data
    expect(back).toEqual([expect.objectContaining({ incidentId: incident.strikes, direction: 'incoming' })])
    expect((await get(`/v1/incidents/${incident.ttpAttacks}`)).body).toMatchObject({ datePrecision: 'year', occurredAt: '2025-01-01T00:00:00.000Z', countryCodes: ['PK'] })
  })

  it('records China\'s facilitated talks as a negotiation dated only to the year, with China as mediator', async () => {
    const talks = (await get(`/v1/incidents/${incident.talks}`)).body
    expect(talks).toMatchObject({ type: 'negotiation', datePrecision: 'year', occurredAt: '2025-01-01T00:00:00.000Z', location: null, fatalities: null })
    expect(talks.acled.disorderType).toBe('Strategic developments')
    expect(talks.actors).toContainEqual(expect.objectContaining({ actorId: actor.china, role: 'mediator' }))
    expect(talks.actors.filter((a: { role: string }) => a.role === 'other').map((a: { actorId: string }) => a.actorId)).toContain(actor.pakistan)
  })

  it('dates the 2022 Kabul strike to the year and places it no finer than Kabul', async () => {
    const kabul = (await get(`/v1/incidents/${incident.kabul}?include=actors`)).body
    expect(kabul).toMatchObject({ type: 'airstrike', occurredAt: '2022-01-01T00:00:00.000Z', datePrecision: 'year', location: { name: 'Kabul', precision: 'admin1' } })
    const zawahiri = kabul.actors.find((a: { role: string }) => a.role === 'victim').actor
    expect(zawahiri).toMatchObject({ name: 'Ayman al-Zawahiri', countryCode: null })
    expect(zawahiri.description).not.toMatch(/Egypt/)
  })

  it('has NATO as an actor, and no actor for the unnamed experts and analysts', async () => {
    const nato = (await get('/v1/actors?q=nato')).body.data
    expect(nato).toEqual([expect.objectContaining({ name: 'NATO', kind: 'international_org' })])
    const names = (await get('/v1/actors?limit=100')).body.data.map((a: { name: string }) => a.name)
    expect(names.filter((n: string) => /expert|analyst/i.test(n))).toEqual([])
  })

  it('answers "the denial and what it answers"', async () => {
    const res = await get('/v1/statements?kind=denial&include=speaker,respondsTo')
    expect(res.body.data).toHaveLength(1)
    expect(res.body.data[0].speaker.id).toBe(actor.taliban)
    expect(res.body.data[0].respondsTo).toMatchObject({ kind: 'accusation', speakerId: actor.pakistan })
  })

  it('answers "who says what about the strikes"', async () => {
    const res = await get(`/v1/incidents/${incident.strikes}/accounts`)
    const mod = res.body.accounts.find((a: { actor: { id: string } | null }) => a.actor?.id === actor.mod)
    expect(mod.casualtyReports).toEqual([expect.objectContaining({ category: 'killed', min: 3, qualifier: 'at_least', affectedActorId: actor.civilians })])
    expect(mod.statements.map((s: { kind: string }) => s.kind)).toEqual(['condemnation'])
    expect(res.body.accounts.map((a: { actor: { id: string } | null }) => a.actor?.id)).toEqual(expect.arrayContaining([actor.pakistan]))
  })

  it('keeps every quote as the article\'s words, Kugelman\'s two character for character', async () => {
    const offer = (await get(`/v1/actors/${actor.trump}/statements`)).body.data
    expect(offer).toHaveLength(1)
    expect(offer[0]).toMatchObject({ kind: 'offer', speakerTitle: 'Former U.S. President', place: 'while traveling to Israel', quote: 'I’m good at solving wars, I’m good at making peace' })
    const analyst = (await get(`/v1/statements?speaker=${actor.kugelman}&kind=assessment&sort=statedAt`)).body.data
    expect(analyst.map((s: { quote: string }) => s.quote).sort()).toEqual([
      'in terms of the future of the relationship, a lot will depend on whether this escalation leads to a basic shift in how the Taliban deals with the TTP, which is really the main issue',
      'stability provider for the region […] would cross a red line in their relations'
    ])
    const quoted = (await get('/v1/statements?hasQuote=true&limit=100')).body.data
    expect(quoted).toHaveLength(5)
    for (const s of quoted) expectArticleWords(s.quote)
  })

  it('cites the article for every statement, figure and incident', async () => {
    const [source] = (await get('/v1/sources')).body.data
    expect(source).toMatchObject({ title: 'Afghanistan and Pakistan Exchange Deadly Fire, Raising Regional Tensions', author: null, archiveUrl: null })
    expect(article.startsWith(`${source.title}\n`)).toBe(true)
    for (const path of ['/v1/statements', '/v1/casualties', '/v1/incidents']) {
      for (const row of (await get(`${path}?limit=100`)).body.data) expect(row.sourceIds, `${path} ${row.id}`).toEqual([source.id])
    }
  })

  it('serves the timeline, a CSV download and a GeoJSON map file', async () => {
    const timeline = await get('/v1/timeline?limit=5')
    expect(timeline.body.data).toHaveLength(5)
    const csv = await t.http().get('/v1/incidents?format=csv')
    expect(csv.text.trimEnd().split('\n')).toHaveLength(6)
    const geo = JSON.parse((await t.http().get('/v1/incidents?format=geojson')).text)
    expect(geo.features.map((f: { properties: { id: string } }) => f.properties.id).sort()).toEqual([incident.strikes, incident.kabul].sort())
    for (const f of geo.features) expect(f.geometry.coordinates).toHaveLength(2)
  })
})
