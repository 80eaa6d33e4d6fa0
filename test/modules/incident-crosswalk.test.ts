import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createIncident } from '../factories/index.ts'

// Incident types beyond violence with their ACLED cross-walk, and incidents' ids in other datasets.
let t: TestContext
const id: Record<string, string> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}
const titles = async (query: string) => {
  const res = await get(`/v1/incidents?${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data.map((i: { title: string }) => i.title).sort()
}

beforeAll(async () => {
  t = await createTestApp()
  id.talks = (await createIncident(t, { type: 'negotiation', title: 'Talks facilitated by China', occurredAt: '2025-10-01T00:00:00Z', datePrecision: 'month' })).id
  id.clash = (await createIncident(t, { type: 'armed_clash', title: 'Border clashes', externalIds: { acled: 'AFG12345', ucdp: '550123' } })).id
  id.riot = (await createIncident(t, { type: 'riot', title: 'Riot in Quetta', countryCodes: ['PK'], externalIds: { gdelt: '1234567890' } })).id
})

describe('incident types and the ACLED cross-walk', () => {
  it('when an incident has a new type, then its ACLED disorder type, event type and sub-event type are ACLED\'s wording', async () => {
    const res = await get(`/v1/incidents/${id.talks}`)
    expect(res.body).toMatchObject({ type: 'negotiation', acled: { disorderType: 'Strategic developments', eventType: 'Strategic developments', subEventType: 'Other' } })
    expect((await get(`/v1/incidents/${id.riot}`)).body.acled).toEqual({ disorderType: 'Demonstrations', eventType: 'Riots', subEventType: 'Violent demonstration' })
    expect((await get(`/v1/incidents/${id.clash}`)).body.acled).toEqual({ disorderType: 'Political violence', eventType: 'Battles', subEventType: 'Armed clash' })
  })

  it.each([
    ['attack_on_civilians', 'Political violence', 'Violence against civilians', 'Attack'],
    ['abduction', 'Political violence', 'Violence against civilians', 'Abduction/forced disappearance'],
    ['sexual_violence', 'Political violence', 'Violence against civilians', 'Sexual violence'],
    ['looting', 'Strategic developments', 'Strategic developments', 'Looting/property destruction'],
    ['ceasefire', 'Strategic developments', 'Strategic developments', 'Agreement'],
    ['agreement', 'Strategic developments', 'Strategic developments', 'Agreement'],
    ['border_closure', 'Strategic developments', 'Strategic developments', 'Other'],
    ['displacement', 'Strategic developments', 'Strategic developments', 'Other'],
    ['policy_measure', 'Strategic developments', 'Strategic developments', 'Other'],
    ['territory_change', 'Strategic developments', 'Strategic developments', 'Non-violent transfer of territory'],
    ['protest', 'Demonstrations', 'Protests', 'Peaceful protest'],
    ['airstrike', 'Political violence', 'Explosions/Remote violence', 'Air/drone strike']
  ])('when the type is %s, then ACLED files it under %s / %s / %s', async (type, disorderType, eventType, subEventType) => {
    const incident = await createIncident(t, { type, title: `A ${type}` })
    expect(incident.acled).toEqual({ disorderType, eventType, subEventType })
    expect(await titles(`type=${type}`)).toEqual([`A ${type}`])
  })

  it('when a type is not one of the list, then 400 naming the field', async () => {
    const res = await t.http().post('/v1/incidents').set(t.auth()).send({ type: 'massacre', title: 'X', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'] })
    expectMatchesSpec(res, 'POST', '/v1/incidents')
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['type'])
  })
})

describe('incident externalIds', () => {
  it('when created with dataset ids, then they are returned; without, externalIds is empty', async () => {
    expect((await get(`/v1/incidents/${id.clash}`)).body.externalIds).toEqual({ acled: 'AFG12345', ucdp: '550123' })
    expect((await get(`/v1/incidents/${id.talks}`)).body.externalIds).toEqual({})
  })

  it('when another live incident holds the id, then 409 naming the holder; a deleted holder frees it', async () => {
    const body = { type: 'armed_clash', title: 'Same clash, again', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], externalIds: { ucdp: '550123' } }
    const clash = await t.http().post('/v1/incidents').set(t.auth()).send(body)
    expectMatchesSpec(clash, 'POST', '/v1/incidents')
    expect(clash.status).toBe(409)
    expect(clash.body.detail).toBe(`The incident "Border clashes" (id ${id.clash}) already has the ucdp id "550123"`)
    expect(clash.body.existing).toEqual({ id: id.clash, title: 'Border clashes' })

    const held = await createIncident(t, { title: 'Holder to delete', externalIds: { acled: 'AFG777' } })
    await t.http().delete(`/v1/incidents/${held.id}`).set(t.auth()).expect(204)
    const freed = await createIncident(t, { title: 'New holder', externalIds: { acled: 'AFG777' } })
    expect(freed.externalIds).toEqual({ acled: 'AFG777' })
  })

  it('when patched, then the set is replaced; taking another incident\'s id is a 409 and changes nothing', async () => {
    const own = await createIncident(t, { title: 'Patched ids', externalIds: { acled: 'AFG1' } })
    const taken = await t.http().patch(`/v1/incidents/${own.id}`).set(t.auth()).send({ externalIds: { gdelt: '1234567890' } })
    expectMatchesSpec(taken, 'PATCH', `/v1/incidents/${own.id}`)
    expect(taken.status).toBe(409)
    expect(taken.body.existing).toEqual({ id: id.riot, title: 'Riot in Quetta' })
    expect((await get(`/v1/incidents/${own.id}`)).body).toMatchObject({ externalIds: { acled: 'AFG1' }, version: 1 })

    const same = await t.http().patch(`/v1/incidents/${own.id}`).set(t.auth()).send({ title: 'Patched ids, retitled' })
    expect(same.body.externalIds).toEqual({ acled: 'AFG1' })
    const replaced = await t.http().patch(`/v1/incidents/${own.id}`).set(t.auth()).send({ externalIds: { ucdp: '42' } })
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200)
    expect(replaced.body.externalIds).toEqual({ ucdp: '42' })
    expect((await t.http().patch(`/v1/incidents/${own.id}`).set(t.auth()).send({ externalIds: {} })).body.externalIds).toEqual({})
  })

  it('when an id is blank or the dataset unknown, then 400', async () => {
    const blank = await t.http().post('/v1/incidents').set(t.auth()).send({ type: 'other', title: 'X', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], externalIds: { acled: ' ' } })
    expect(blank.status).toBe(400)
    const unknown = await t.http().post('/v1/incidents').set(t.auth()).send({ type: 'other', title: 'X', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], externalIds: { wikidata: 'Q1' } })
    expect(unknown.status).toBe(400)
  })

  it('when listed with externalId=dataset:id, then only the incident holding exactly that id', async () => {
    expect(await titles('externalId=acled:AFG12345')).toEqual(['Border clashes'])
    expect(await titles('externalId=ucdp:550123')).toEqual(['Border clashes'])
    expect(await titles('externalId=gdelt:1234567890')).toEqual(['Riot in Quetta'])
    expect(await titles('externalId=acled:AFG1234')).toEqual([])
    expect(await titles('externalId=gdelt:AFG12345')).toEqual([])
    const bad = await get('/v1/incidents?externalId=wikidata:Q1')
    expect(bad.status).toBe(400)
  })

  it('when exported, then CSV has a column per dataset and the disorder type; NDJSON and GeoJSON carry them too', async () => {
    const csv = await t.http().get('/v1/incidents?format=csv&externalId=acled:AFG12345')
    expect(csv.status).toBe(200)
    const [header, row, end] = csv.text.split('\n')
    const cells = Object.fromEntries(header.split(',').map((name, n) => [name, row.split(',')[n]]))
    expect(cells).toMatchObject({ 'externalIds.acled': 'AFG12345', 'externalIds.ucdp': '550123', 'externalIds.gdelt': '', 'acled.disorderType': 'Political violence' })
    expect(end).toBe('')

    const ndjson = await t.http().get('/v1/incidents?format=ndjson&externalId=gdelt:1234567890')
    expect(JSON.parse(ndjson.text.trim())).toMatchObject({ title: 'Riot in Quetta', externalIds: { gdelt: '1234567890' } })

    const located = await createIncident(t, { type: 'looting', title: 'Looting in Spin Boldak', location: { name: 'Spin Boldak', countryCode: 'AF', lat: 31.0, lon: 66.4, precision: 'near' }, externalIds: { acled: 'AFG555' } })
    const geo = JSON.parse((await t.http().get('/v1/incidents?format=geojson&externalId=acled:AFG555')).text)
    expect(geo.features.map((f: { id: string }) => f.id)).toEqual([located.id])
    expect(geo.features[0].properties).toMatchObject({ 'externalIds.acled': 'AFG555', 'acled.disorderType': 'Strategic developments' })
  })

  it('when stats are filtered by externalId, then only that incident counts', async () => {
    const res = await get('/v1/stats/incidents?groupBy=type&externalId=ucdp:550123')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data.map((r: { type: string, count: number }) => [r.type, r.count])).toEqual([['armed_clash', 1]])
  })

  it('when imported, then the ids are stored; an id a live incident holds refuses the line naming the holder', async () => {
    const line = (title: string, externalIds: object) => JSON.stringify({ entity: 'incident', data: { type: 'ceasefire', title, occurredAt: '2025-10-19T00:00:00Z', countryCodes: ['AF', 'PK'], externalIds } })
    const post = (body: string) => t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(body)
    const refused = await post(`${line('Doha ceasefire', { acled: 'AFG9000' })}\n${line('Copy', { acled: 'AFG12345' })}\n`)
    expectMatchesSpec(refused, 'POST', '/v1/import')
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.body)).toContain(`The incident \\"Border clashes\\" (id ${id.clash}) already has the acled id \\"AFG12345\\"`)
    const accepted = await post(`${line('Doha ceasefire', { acled: 'AFG9000' })}\n`)
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200)
    const [stored] = (await get('/v1/incidents?externalId=acled:AFG9000')).body.data
    expect(stored).toMatchObject({ title: 'Doha ceasefire', type: 'ceasefire', acled: { disorderType: 'Strategic developments', subEventType: 'Agreement' } })
  })
})
