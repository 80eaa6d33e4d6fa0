import type { FastifyInstance } from 'fastify'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec, spec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

// fields=: only the named fields, as dotted paths, on every list, single read and export; CSV
// columns in the order named; an unknown field is a 400 naming it. The PostgreSQL (COPY) and JS
// export paths must agree byte for byte.
let t: TestContext
let js: FastifyInstance
const id: Record<string, string> = {}

const get = async (url: string, on = t.http()) => {
  const res = await on.get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

beforeAll(async () => {
  t = await createTestApp()
  js = await buildApp({ databaseUrl: t.databaseUrl, logger: false, rateLimitPerMinute: 1_000_000, exports: { engine: 'js' } })
  await js.ready()
  const army = await createActor(t, { name: 'Field Army', kind: 'military', countryCode: 'PK' })
  const source = await createSource(t, { publisher: 'Field News' })
  id.army = army.id
  id.source = source.id
  const struck = await createIncident(t, {
    type: 'airstrike',
    title: 'Strike with figures',
    summary: 'Strikes, "quoted", near the border',
    occurredAt: '2025-10-09T21:30:00Z',
    location: { name: 'Kabul', admin1: 'Kabul', countryCode: 'AF', lat: 34.5553, lon: 69.2075, precision: 'near' },
    actors: [{ actorId: army.id, role: 'perpetrator' }],
    sourceIds: [source.id],
    tags: ['cross-border']
  })
  id.struck = struck.id
  id.report = (await addCasualtyReport(t, struck.id, { min: 3, reportedById: army.id, sourceIds: [source.id] })).id
  id.plain = (await createIncident(t, { title: '=Plain, no figures', occurredAt: '2025-10-08T00:00:00Z', countryCodes: ['PK'] })).id
  const said = await t.http().post('/v1/statements').set(t.auth())
    .send({ speakerId: army.id, kind: 'claim', summary: 'We struck.', language: 'en', statedAt: '2025-10-10T00:00:00Z', incidentIds: [struck.id] })
  expect(said.status, JSON.stringify(said.body)).toBe(201)
  id.statement = said.body.id
})

afterAll(async () => { await js?.close() })

describe('fields= on JSON reads', () => {
  it('when a list asks for id,type,fatalities.best, then each item holds exactly those, nested objects nested', async () => {
    const res = await get('/v1/incidents?fields=id,type,fatalities.best&sort=-occurredAt')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data).toEqual([
      { id: id.struck, type: 'airstrike', fatalities: { best: 3 } },
      { id: id.plain, type: 'other', fatalities: null }
    ])
    expect(res.body.page).toMatchObject({ limit: 50, nextCursor: null })
    expect(res.headers['content-type']).toBe('application/vnd.sitrep.fields+json; charset=utf-8')
    const whole = await get('/v1/incidents?limit=1')
    expect(whole.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(Object.keys(whole.body.data[0])).toContain('title')
  })

  it('when a client accepts only the projection\'s media type, then the list answers it', async () => {
    const res = await t.http().get('/v1/incidents?fields=id').set('accept', 'application/vnd.sitrep.fields+json')
    expect(res.status).toBe(200)
    expect(res.body.data).toHaveLength(2)
  })

  it('when a single read asks for fields, then only those come, with an ETag apart from the full record\'s', async () => {
    const full = await get(`/v1/incidents/${id.struck}`)
    const res = await get(`/v1/incidents/${id.struck}?fields=title,location.lat,location.admin1,acled.eventType`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ title: 'Strike with figures', location: { admin1: 'Kabul', lat: 34.5553 }, acled: { eventType: 'Explosions/Remote violence' } })
    expect(res.headers.etag).toMatch(/^"\d+\.[0-9a-f]+"$/)
    expect(res.headers.etag).not.toBe(full.headers.etag)
    const again = await t.http().get(`/v1/incidents/${id.struck}?fields=title,location.lat,location.admin1,acled.eventType`).set('if-none-match', res.headers.etag)
    expect(again.status).toBe(304)
  })

  it('when a whole object and one of its fields are both named, then the whole object comes', async () => {
    const res = await get(`/v1/incidents/${id.struck}?fields=location.lat,location`)
    expect(res.body).toEqual({ location: { name: 'Kabul', admin1: 'Kabul', countryCode: 'AF', lat: 34.5553, lon: 69.2075, precision: 'near' } })
  })

  it('when statements, casualty reports, actors and sources are read with fields, then each projects', async () => {
    expect((await get('/v1/statements?fields=id,kind')).body.data).toEqual([{ id: id.statement, kind: 'claim' }])
    expect((await get(`/v1/statements/${id.statement}?fields=incidentIds`)).body).toEqual({ incidentIds: [id.struck] })
    expect((await get(`/v1/incidents/${id.struck}/statements?fields=summary`)).body.data).toEqual([{ summary: 'We struck.' }])
    expect((await get('/v1/casualties?fields=min,category')).body.data).toEqual([{ category: 'killed', min: 3 }])
    expect((await get('/v1/casualties?fields=id,incident.title&include=incident')).body.data).toEqual([{ id: id.report, incident: { title: 'Strike with figures' } }])
    expect((await get(`/v1/incidents/${id.struck}/casualties?fields=qualifier`)).body.data).toEqual([{ qualifier: 'exact' }])
    expect((await get(`/v1/casualties/${id.report}?fields=reportedById`)).body).toEqual({ reportedById: id.army })
    expect((await get('/v1/actors?fields=name,kind&q=field')).body.data).toEqual([{ name: 'Field Army', kind: 'military' }])
    expect((await get(`/v1/actors/${id.army}?fields=countryCode`)).body).toEqual({ countryCode: 'PK' })
    expect((await get('/v1/sources?fields=publisher')).body.data).toEqual([{ publisher: 'Field News' }])
    expect((await get(`/v1/sources/${id.source}?fields=publisher,version`)).body).toEqual({ publisher: 'Field News', version: 1 })
    expect((await get(`/v1/actors/${id.army}/incidents?fields=id`)).body.data).toEqual([{ id: id.struck }])
  })

  it('when a record is read asOf a time with fields, then the past version is projected', async () => {
    const res = await get(`/v1/incidents/${id.struck}?fields=title,version&asOf=${new Date().toISOString()}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toEqual({ title: 'Strike with figures', version: expect.any(Number) })
  })

  it('when fields names an unknown field, then 400 problem+json naming it, on lists, single reads and exports', async () => {
    for (const url of [
      '/v1/incidents?fields=id,typo', `/v1/incidents/${id.struck}?fields=typo`, '/v1/incidents?fields=typo&format=csv',
      '/v1/statements?fields=typo', '/v1/casualties?fields=typo', `/v1/actors/${id.army}?fields=typo`, '/v1/sources?fields=typo'
    ]) {
      const res = await get(url)
      expect(res.status, url).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'fields' })
      expect(res.body.errors[0].message, url).toMatch(/^unknown field "typo"/)
      expect(res.body.detail).toContain('"typo"')
    }
    const nested = await get('/v1/incidents?fields=fatalities.worst,location')
    expect(nested.body.errors[0].message).toMatch(/^unknown field "fatalities\.worst"/)
    const empty = await get('/v1/incidents?fields=')
    expect(empty.status).toBe(400)
  })

  it('declares fields on every list, single read and export of the records', () => {
    for (const [path, op] of [
      ['/v1/incidents', 'get'], ['/v1/incidents/{id}', 'get'], ['/v1/actors/{id}/incidents', 'get'], ['/v1/statements', 'get'],
      ['/v1/statements/{id}', 'get'], ['/v1/incidents/{id}/statements', 'get'], ['/v1/actors/{id}/statements', 'get'],
      ['/v1/casualties', 'get'], ['/v1/casualties/{id}', 'get'], ['/v1/incidents/{id}/casualties', 'get'],
      ['/v1/actors', 'get'], ['/v1/actors/{id}', 'get'], ['/v1/sources', 'get'], ['/v1/sources/{id}', 'get']
    ]) {
      const names = spec.paths[path][op].parameters.map((p: { name: string }) => p.name)
      expect(names, path).toContain('fields')
    }
  })
})

describe('fields= on exports', () => {
  const both = async (url: string) => {
    const copy = await get(url)
    const viaJs = await get(url, supertest.agent(js.server))
    expect(copy.status, copy.text).toBe(200)
    expect(viaJs.text, url).toBe(copy.text)
    return copy
  }

  it('when CSV is asked with fields, then its columns follow the order named (objects as their dotted columns), on both paths', async () => {
    const res = await both('/v1/incidents?format=csv&fields=fatalities.best,location,id,title&sort=-occurredAt')
    const [header, ...rows] = res.text.trim().split('\n')
    expect(header).toBe('fatalities.best,location.name,location.admin1,location.countryCode,location.lat,location.lon,location.precision,id,title')
    expect(rows).toEqual([
      `3,Kabul,Kabul,AF,34.5553,69.2075,near,${id.struck},Strike with figures`,
      `,,,,,,,${id.plain},"'=Plain, no figures"`
    ])
  })

  it('when NDJSON is asked with fields, then each line holds those fields only, on both paths', async () => {
    const res = await both('/v1/incidents?format=ndjson&fields=id,fatalities.low,externalIds.acled,tags&sort=-occurredAt')
    expect(res.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { id: id.struck, tags: ['cross-border'], fatalities: { low: 3 }, externalIds: {} },
      { id: id.plain, tags: [], fatalities: null, externalIds: {} }
    ])
  })

  it('when GeoJSON is asked with fields, then properties hold those fields and the geometry stays, on both paths', async () => {
    const res = await both('/v1/incidents?format=geojson&fields=title,fatalities.best')
    expect(JSON.parse(res.text).features).toEqual([
      { type: 'Feature', id: id.struck, geometry: { type: 'Point', coordinates: [69.2075, 34.5553] }, properties: { title: 'Strike with figures', 'fatalities.best': 3 } }
    ])
  })

  it('when statements and casualty reports are exported with fields, then both paths agree', async () => {
    expect((await both('/v1/statements?format=csv&fields=kind,id')).text.trim()).toBe(`kind,id\nclaim,${id.statement}`)
    expect((await both('/v1/casualties?format=ndjson&fields=sourceIds,max')).text.trim()).toBe(JSON.stringify({ sourceIds: [id.source], max: null }))
  })

  it('when CSV fields have no column (an expansion), then 400', async () => {
    const res = await get('/v1/incidents?format=csv&fields=statements')
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'fields' })
  })
})
