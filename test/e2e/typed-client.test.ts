import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import createClient, { type Client } from 'openapi-fetch'
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { loadDemoData } from '../../src/demo.ts'
import type { components, paths } from '../client/schema.d.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'

// An integrator's view: the demo story walked end to end over real HTTP with a client whose types
// are generated from the committed openapi/openapi.json (`npm run client:generate`, run by
// `npm run typecheck`). Only the typed client's methods are used, so a wrong shape in the spec
// fails the type check, and a spec that disagrees with the server fails here.

type Schemas = components['schemas']
// JSON bodies and problem details only: list operations also document CSV, NDJSON and GeoJSON.
type Json = 'application/json' | 'application/problem+json'

let t: TestContext
let client: Client<paths, Json>
const ids: Record<string, string> = {}

/** The body of a successful call, or a failure that shows the status and the problem. */
function ok<T> (result: { data?: T, error?: unknown, response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${result.response.status} ${result.response.url}: ${JSON.stringify(result.error)}`)
  }
  return result.data
}

beforeAll(async () => {
  t = await createTestApp()
  expect(await loadDemoData(t.app.pool)).toBe(true)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = t.app.server.address() as AddressInfo
  client = createClient<paths, Json>({
    baseUrl: `http://127.0.0.1:${port}`,
    fetch: (request) => globalThis.fetch(request),
    headers: { authorization: `Bearer ${t.keys.write}` }
  })
})

describe('the demo story through the typed client', () => {
  it('reads actors: Pakistan by its Wikidata id, others by name', async () => {
    const pakistan = ok(await client.GET('/v1/actors', { params: { query: { externalId: 'wikidata:Q843' } } }))
    expectTypeOf(pakistan.data).toEqualTypeOf<Schemas['Actor'][]>()
    expect(pakistan.data).toHaveLength(1)
    expect(pakistan.data[0]).toMatchObject({ name: 'Pakistan', kind: 'state', countryCode: 'PK', externalIds: { wikidata: 'Q843' } })
    ids.pakistan = pakistan.data[0].id

    const taliban = ok(await client.GET('/v1/actors', { params: { query: { q: 'taliban government' } } }))
    expect(taliban.data.map((a) => a.name)).toEqual(['Islamic Emirate of Afghanistan'])
    ids.taliban = taliban.data[0].id

    const one = ok(await client.GET('/v1/actors/{id}', { params: { path: { id: ids.pakistan } } }))
    expect(one.id).toBe(ids.pakistan)

    const sources = ok(await client.GET('/v1/sources', { params: { query: { limit: 10 } } }))
    expect(sources.data).toHaveLength(1)
    ids.source = sources.data[0].id
  })

  it('lists incidents with filters: type, country, actor', async () => {
    const all = ok(await client.GET('/v1/incidents', { params: { query: { includeTotal: 'true' } } }))
    expect(all.page.total).toBe(5)

    const strikes = ok(await client.GET('/v1/incidents', {
      params: { query: { type: 'airstrike', country: 'AF', actor: ids.pakistan, actorRole: 'perpetrator' } }
    }))
    expectTypeOf(strikes.data[0].fatalities).toEqualTypeOf<Schemas['Fatalities'] | null>()
    expect(strikes.data).toHaveLength(1)
    expect(strikes.data[0]).toMatchObject({ type: 'airstrike', countryCodes: ['AF'], fatalities: { low: 3, best: 3, high: 3 } })
    expect(strikes.data[0].actors).toContainEqual(expect.objectContaining({ actorId: ids.pakistan, role: 'perpetrator', attribution: 'confirmed', assertedById: null, disputed: false }))
    ids.airstrikes = strikes.data[0].id

    const anyOf = ok(await client.GET('/v1/incidents', { params: { query: { type: 'airstrike,negotiation', country: 'AF', sort: 'occurredAt' } } }))
    expect(anyOf.data.map((i) => [i.type, i.datePrecision])).toEqual([['airstrike', 'year'], ['negotiation', 'year'], ['airstrike', 'day']])

    const inPakistan = ok(await client.GET('/v1/incidents', { params: { query: { country: 'PK', actor: ids.pakistan } } }))
    expect(inPakistan.data.length).toBeGreaterThan(0)
    for (const incident of inPakistan.data) {
      expect(incident.countryCodes).toContain('PK')
      expect(incident.actors.map((a) => a.actorId)).toContain(ids.pakistan)
    }
  })

  it('pages through /v1/statements with limit and page.nextCursor', async () => {
    const seen: Schemas['Statement'][] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = ok(await client.GET('/v1/statements', { params: { query: { limit: 4, cursor, includeTotal: 'true' } } }))
      expect(page.page.limit).toBe(4)
      expect(page.page.total).toBe(9)
      expect(page.data.length).toBeLessThanOrEqual(4)
      seen.push(...page.data)
      cursor = page.page.nextCursor ?? undefined
      pages++
    } while (cursor !== undefined && pages < 10)
    expect(pages).toBe(3)
    expect(new Set(seen.map((s) => s.id)).size).toBe(9)
    const statedAt = seen.map((s) => s.statedAt)
    expect(statedAt).toEqual([...statedAt].sort().reverse()) // default sort: -statedAt
  })

  it('creates a statement and a casualty report, and reads them back', async () => {
    const created = await client.POST('/v1/statements', {
      body: {
        speakerId: ids.taliban,
        speakerTitle: 'Spokesman of the Taliban government',
        kind: 'claim',
        summary: 'The Taliban government said the strikes killed more civilians than reported.',
        quote: 'Between three and ten civilians were martyred.',
        language: 'en',
        statedAt: '2025-10-10T15:00:00.000Z',
        datePrecision: 'day',
        incidentIds: [ids.airstrikes],
        aboutActorIds: [ids.pakistan],
        sourceIds: [ids.source]
      }
    })
    expect(created.response.status).toBe(201)
    const statement = ok(created)
    expect(statement).toMatchObject({ kind: 'claim', speakerId: ids.taliban, incidentIds: [ids.airstrikes], respondsToId: null, version: 1 })

    const read = ok(await client.GET('/v1/statements/{id}', { params: { path: { id: statement.id }, query: { include: 'speaker' } } }))
    expect(read.quote).toBe('Between three and ten civilians were martyred.')
    expect(read.speaker?.name).toBe('Islamic Emirate of Afghanistan')

    const reported = await client.POST('/v1/incidents/{id}/casualties', {
      params: { path: { id: ids.airstrikes } },
      body: { reportedById: ids.taliban, sourceIds: [ids.source], category: 'killed', min: 3, max: 10, qualifier: 'range', groups: ['civilians'] }
    })
    expect(reported.response.status).toBe(201)
    const report = ok(reported)
    expect(report).toMatchObject({ incidentId: ids.airstrikes, category: 'killed', min: 3, max: 10, qualifier: 'range', note: null })

    const back = ok(await client.GET('/v1/casualties/{id}', { params: { path: { id: report.id } } }))
    expect(back).toEqual(report)
    const listed = ok(await client.GET('/v1/incidents/{id}/casualties', { params: { path: { id: ids.airstrikes } } }))
    expect(listed.data.map((r) => r.id)).toContain(report.id)

    // Roll-up over the defence ministry's "at least 3" (point 3) and this "3 to 10" (point 6).
    const incident = ok(await client.GET('/v1/incidents/{id}', { params: { path: { id: ids.airstrikes }, query: { include: 'statements' } } }))
    expect(incident.fatalities).toEqual({ low: 3, best: 4, high: 10 })
    expect(incident.contested).toBe(true)
    expect(incident.statements?.map((s) => s.id)).toContain(statement.id)

    const claims = ok(await client.GET('/v1/statements', { params: { query: { incident: ids.airstrikes, kind: 'claim' } } }))
    expect(claims.data.map((s) => s.id)).toEqual([statement.id])
  })

  it('updates conditionally: If-Match, a stale ETag is a 412 problem, If-None-Match is a 304', async () => {
    const path = { id: ids.airstrikes }
    const first = await client.GET('/v1/incidents/{id}', { params: { path } })
    const version = ok(first).version
    const etag = first.response.headers.get('etag')
    expect(etag).toBe(`"${version}"`)

    const patched = await client.PATCH('/v1/incidents/{id}', {
      params: { path, header: { 'if-match': etag! } },
      body: { status: 'confirmed', tags: ['cross-border', 'airstrike'] }
    })
    expect(patched.response.status).toBe(200)
    expect(ok(patched)).toMatchObject({ status: 'confirmed', version: version + 1 })
    const newTag = patched.response.headers.get('etag')
    expect(newTag).toBe(`"${version + 1}"`)

    const stale = await client.PATCH('/v1/incidents/{id}', {
      params: { path, header: { 'if-match': etag! } },
      body: { summary: null }
    })
    expect(stale.data).toBeUndefined()
    expect(stale.response.status).toBe(412)
    expect(stale.response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expectTypeOf(stale.error).toEqualTypeOf<Schemas['Problem'] | undefined>()
    expect(stale.error).toMatchObject({ type: '/problems/precondition-failed', status: 412 })

    const notModified = await client.GET('/v1/incidents/{id}', { params: { path, header: { 'if-none-match': newTag! } } })
    expect(notModified.response.status).toBe(304)
    expect(notModified.data).toBeUndefined()

    const current = await client.GET('/v1/incidents/{id}', { params: { path, header: { 'if-none-match': etag! } } })
    expect(current.response.status).toBe(200)
    expect(ok(current)).toMatchObject({ status: 'confirmed', summary: expect.any(String) })
  })

  it('links the airstrikes to an incident in Pakistan and lists the link from both ends', async () => {
    const inPakistan = ok(await client.GET('/v1/incidents', { params: { query: { country: 'PK', limit: 1 } } }))
    const other = inPakistan.data[0].id
    const linked = ok(await client.PATCH('/v1/incidents/{id}', {
      params: { path: { id: ids.airstrikes } },
      body: { relations: [{ incidentId: other, kind: 'responds_to', assertedById: ids.pakistan }] }
    }))
    expectTypeOf(linked.relations).toEqualTypeOf<Schemas['IncidentRelation'][]>()
    expect(linked.relations).toEqual([{ incidentId: other, kind: 'responds_to', assertedById: ids.pakistan, statementIds: [] }])
    const related = ok(await client.GET('/v1/incidents/{id}/related', { params: { path: { id: other }, query: { include: 'incident' } } }))
    expectTypeOf(related.data).toEqualTypeOf<Schemas['RelatedIncident'][]>()
    expect(related.data).toContainEqual(expect.objectContaining({ incidentId: ids.airstrikes, direction: 'incoming', kind: 'responds_to' }))
    const relatedTo = ok(await client.GET('/v1/incidents', { params: { query: { relatedTo: other } } }))
    expect(relatedTo.data.map((i) => i.id)).toContain(ids.airstrikes)
  })

  it('reads the casualty ledger and its stats: a figure in words, whose casualties, the sums per category', async () => {
    const people = ok(await client.POST('/v1/actors', { body: { name: 'Typed client civilians', kind: 'other' } }))
    const words = ok(await client.POST('/v1/incidents/{id}/casualties', {
      params: { path: { id: ids.airstrikes } },
      body: { affectedActorId: people.id, category: 'injured', min: 2, qualifier: 'unquantified', phrase: 'several' }
    }))
    expect(words).toMatchObject({ affectedActorId: people.id, qualifier: 'unquantified', phrase: 'several', max: null })

    const ledger = ok(await client.GET('/v1/casualties', { params: { query: { affectedActor: people.id, include: 'incident,affectedActor' } } }))
    expectTypeOf(ledger.data).toEqualTypeOf<Schemas['CasualtyLedgerReport'][]>()
    expect(ledger.data.map((r) => [r.id, r.incident?.id, r.affectedActor?.name])).toEqual([[words.id, ids.airstrikes, 'Typed client civilians']])

    const killed = ok(await client.GET('/v1/casualties', { params: { query: { category: 'killed', limit: 500 } } }))
    const stats = ok(await client.GET('/v1/stats/casualties', { params: { query: { groupBy: 'category' } } }))
    expectTypeOf(stats.data).toEqualTypeOf<Schemas['CasualtyStatsRow'][]>()
    expect(stats.data.find((row) => row.category === 'killed')).toMatchObject({ count: killed.data.length, min: killed.data.reduce((n, r) => n + r.min, 0) })
    expect(stats.data.find((row) => row.category === 'injured')?.max).toBeNull()
  })
})

describe('events beyond violence, dataset ids and statement origins through the typed client', () => {
  it('creates a negotiation with an ACLED id, finds it by that id, and records a translated statement about it', async () => {
    const talks = ok(await client.POST('/v1/incidents', {
      body: { type: 'negotiation', title: 'Talks in Doha', occurredAt: '2025-10-18T00:00:00Z', datePrecision: 'day', countryCodes: ['QA'], externalIds: { acled: 'QAT0001' } }
    }))
    expectTypeOf(talks.acled.disorderType).toEqualTypeOf<Schemas['Incident']['acled']['disorderType']>()
    expect(talks.acled).toEqual({ disorderType: 'Strategic developments', eventType: 'Strategic developments', subEventType: 'Other' })
    const found = ok(await client.GET('/v1/incidents', { params: { query: { externalId: 'acled:QAT0001' } } }))
    expect(found.data.map((i) => i.id)).toEqual([talks.id])

    const said = ok(await client.POST('/v1/statements', {
      body: { speakerId: ids.pakistan, kind: 'claim', summary: 'Pakistan said the talks were useful.', language: 'en', statedAt: '2025-10-19T00:00:00Z', quote: 'The talks were useful.', originalQuote: 'مذاکرات مفید رہے', originalLanguage: 'ur', channel: 'press_conference', place: 'Islamabad', incidentIds: [talks.id] }
    }))
    expectTypeOf(said.channel).toEqualTypeOf<Schemas['Statement']['channel']>()
    const search = ok(await client.GET('/v1/statements', { params: { query: { q: 'مذاکرات' } } }))
    expect(search.data.map((s) => s.id)).toEqual([said.id])
  })
})

describe('projections and statement stats through the typed client', () => {
  it('reads a projection as its own media type, typed with every field optional, and whole records stay whole', async () => {
    const projected = createClient<paths, 'application/vnd.sitrep.fields+json' | 'application/problem+json'>({
      baseUrl: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`,
      fetch: (request) => globalThis.fetch(request)
    })
    const page = ok(await projected.GET('/v1/incidents', { params: { query: { fields: 'id,fatalities.best', type: 'airstrike', country: 'AF' } } }))
    expectTypeOf(page.data).toEqualTypeOf<Schemas['IncidentFields'][]>()
    expect(page.data.length).toBeGreaterThan(0)
    for (const incident of page.data) expect(Object.keys(incident).sort()).toEqual(['fatalities', 'id'])
    const one = ok(await projected.GET('/v1/incidents/{id}', { params: { path: { id: ids.airstrikes }, query: { fields: 'title' } } }))
    expect(Object.keys(one)).toEqual(['title'])
  })

  it('counts statements by speaker and kind', async () => {
    const stats = ok(await client.GET('/v1/stats/statements', { params: { query: { groupBy: 'speaker,kind' } } }))
    expectTypeOf(stats.data).toEqualTypeOf<Schemas['StatementStatsRow'][]>()
    const all = ok(await client.GET('/v1/statements', { params: { query: { limit: 500 } } }))
    expect(stats.data.reduce((n, row) => n + row.count, 0)).toBe(all.data.length)
    expect(stats.data.find((row) => row.speaker?.id === ids.pakistan && row.kind === 'accusation')?.count).toBeGreaterThan(0)
  })
})

describe('a UCDP GED export through the typed client', () => {
  it('imports it with from=ucdp-ged as text/csv, and a second time updates nothing', async () => {
    const ged = await readFile(new URL('../fixtures/ucdp-ged-sample.csv', import.meta.url), 'utf8')
    const send = () => client.POST('/v1/import', {
      params: { query: { from: 'ucdp-ged' } },
      body: ged,
      bodySerializer: (csv) => csv,
      headers: { 'content-type': 'text/csv' }
    })
    const first = ok(await send())
    expect(first.created.incident).toBe(4)
    const again = ok(await send())
    expectTypeOf(again.updated).toEqualTypeOf<Schemas['ImportResult']['updated']>()
    expect(again).toMatchObject({ created: { incident: 0 }, updated: { incident: 0, casualtyReport: 0 }, unchanged: 14 })
    const found = ok(await client.GET('/v1/incidents', { params: { query: { externalId: 'ucdp:562388' } } }))
    expect(found.data.map((i) => i.type)).toEqual(['attack_on_civilians'])
  })
})

// Never called: it only has to type-check. The generated types reject what the spec rejects.
export async function rejectedByTheTypes (c: Client<paths, Json>) {
  // @ts-expect-error sort takes only the documented fields
  await c.GET('/v1/incidents', { params: { query: { sort: 'title' } } })
  // @ts-expect-error a relation's kind is one of four
  await c.PATCH('/v1/incidents/{id}', { params: { path: { id: 'x' } }, body: { relations: [{ incidentId: 'x', kind: 'caused' }] } })
  // @ts-expect-error unknown query parameters are not part of the operation
  await c.GET('/v1/statements', { params: { query: { speakerId: 'x' } } })
  // @ts-expect-error a statement needs a speaker, a kind, a summary, a language and statedAt
  await c.POST('/v1/statements', { body: { summary: 'no speaker' } })
  // @ts-expect-error qualifier is an enum
  await c.POST('/v1/incidents/{id}/casualties', { params: { path: { id: 'x' } }, body: { category: 'killed', min: 1, qualifier: 'about' } })
  // @ts-expect-error an incident's externalIds name only acled, ucdp and gdelt
  await c.POST('/v1/incidents', { body: { type: 'other', title: 'x', occurredAt: 'x', externalIds: { wikidata: 'Q1' } } })
  // @ts-expect-error channel is an enum
  await c.POST('/v1/statements', { body: { speakerId: 'x', kind: 'claim', summary: 's', language: 'en', statedAt: 'x', channel: 'telegram' } })
  // @ts-expect-error path parameters are required
  await c.GET('/v1/incidents/{id}', {})
  // @ts-expect-error the casualty ledger sorts by createdAt or reportedAt only
  await c.GET('/v1/casualties', { params: { query: { sort: 'min' } } })
  // @ts-expect-error an import reads ACLED and UCDP GED exports only
  await c.POST('/v1/import', { params: { query: { from: 'gdelt' } }, body: '' })
}
