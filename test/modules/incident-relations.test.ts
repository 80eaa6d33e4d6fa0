import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createIncident } from '../factories/index.ts'

let t: TestContext
const id: Record<string, string> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}
const patch = (incidentId: string, body: object) =>
  t.http().patch(`/v1/incidents/${incidentId}`).set(t.auth()).set('content-type', 'application/merge-patch+json').send(body)
const statement = async (body: Record<string, unknown>) => {
  const res = await t.http().post('/v1/statements').set(t.auth())
    .send({ speakerId: id.pak, kind: 'claim', summary: 'A statement', language: 'en', statedAt: '2025-10-10T00:00:00Z', ...body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as { id: string, version: number, incidentIds: string[] }
}
const related = async (incidentId: string, query = '') => {
  const res = await get(`/v1/incidents/${incidentId}/related${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body
}

beforeAll(async () => {
  t = await createTestApp()
  id.pak = (await createActor(t, { name: 'Pakistan', kind: 'state' })).id
  id.ttp = (await createActor(t, { name: 'TTP', kind: 'armed_group' })).id
  id.attacks = (await createIncident(t, { type: 'militant_attack', title: 'TTP attacks' })).id
  id.claim = (await statement({ summary: 'Pakistan says the strikes answered TTP attacks' })).id
  id.strikes = (await createIncident(t, {
    type: 'airstrike',
    title: 'Strikes on TTP hideouts',
    relations: [{ incidentId: id.attacks, kind: 'responds_to', assertedById: id.pak, statementIds: [id.claim] }]
  })).id
  id.campaign = (await createIncident(t, { title: 'Border campaign' })).id
})

describe('relations written with the incident', () => {
  it('when an incident is created with a relation, then it reads back and the cited statement is linked to it with a new version', async () => {
    const res = await get(`/v1/incidents/${id.strikes}`)
    expect(res.body.relations).toEqual([{ incidentId: id.attacks, kind: 'responds_to', assertedById: id.pak, statementIds: [id.claim] }])
    const claim = await get(`/v1/statements/${id.claim}`)
    expect(claim.body.incidentIds).toEqual([id.strikes])
    expect(claim.body.version).toBe(2)
  })

  it('when a relation names itself, an unknown incident or a deleted one, then 400 names the field', async () => {
    const self = await patch(id.strikes, { relations: [{ incidentId: id.strikes, kind: 'follows' }] })
    expect(self.status).toBe(400)
    expect(self.body.errors).toEqual([{ in: 'body', path: 'relations.0.incidentId', message: 'an incident cannot relate to itself' }])
    const gone = await createIncident(t, {})
    expect((await t.http().delete(`/v1/incidents/${gone.id}`).set(t.auth())).status).toBe(204)
    const unknown = await t.http().post('/v1/incidents').set(t.auth())
      .send({ type: 'other', title: 'x', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], relations: [{ incidentId: gone.id, kind: 'follows' }] })
    expect(unknown.status).toBe(400)
    expect(unknown.body.errors).toEqual([{ in: 'body', path: 'relations.0.incidentId', message: `incident ${gone.id} does not exist` }])
  })

  it('when same_as is stated the other way round, then 409 names the incident holding it', async () => {
    const a = await createIncident(t, {})
    const b = await createIncident(t, { relations: [{ incidentId: a.id, kind: 'same_as' }] })
    const res = await patch(a.id, { relations: [{ incidentId: b.id, kind: 'same_as' }] })
    expect(res.status).toBe(409)
    expect(res.body.detail).toContain(`Incident ${b.id} already states same_as with ${a.id}`)
    // Other kinds between the same two incidents are other relations.
    expect((await patch(a.id, { relations: [{ incidentId: b.id, kind: 'follows' }] })).status).toBe(200)
  })

  it('when part_of would close a cycle, then 400 names the path; a PATCH replaces the list', async () => {
    const episode = await createIncident(t, { relations: [{ incidentId: id.campaign, kind: 'part_of' }] })
    const clash = await createIncident(t, { relations: [{ incidentId: episode.id, kind: 'part_of' }] })
    const res = await patch(id.campaign, { relations: [{ incidentId: clash.id, kind: 'part_of' }] })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([{
      in: 'body', path: 'relations.0.incidentId', message: `part_of would make a cycle: ${id.campaign} → ${clash.id} → ${episode.id} → ${id.campaign}`
    }])
    // Once the episode leaves the campaign, the same link is no cycle.
    expect((await patch(episode.id, { relations: [] })).body.relations).toEqual([])
    expect((await patch(id.campaign, { relations: [{ incidentId: clash.id, kind: 'part_of' }] })).status).toBe(200)
    expect((await patch(id.campaign, { relations: [] })).status).toBe(200)
  })

  it('when a denial is cited by a relation, then it is linked and the incident is contested', async () => {
    const denial = await statement({ speakerId: id.ttp, kind: 'denial', summary: 'TTP denies the attacks' })
    const res = await createIncident(t, { relations: [{ incidentId: id.attacks, kind: 'follows', statementIds: [denial.id] }] })
    expect(res.contested).toBe(true)
    expect((await get(`/v1/statements/${denial.id}`)).body.incidentIds).toEqual([res.id])
  })

  it('when an incident others relate to is deleted, then 409 names them; the incident relating may go', async () => {
    const target = await createIncident(t, {})
    const from = await createIncident(t, { relations: [{ incidentId: target.id, kind: 'follows' }] })
    const refused = await t.http().delete(`/v1/incidents/${target.id}`).set(t.auth())
    expect(refused.status).toBe(409)
    expect(refused.body.referrers).toEqual([{ entity: 'incident', id: from.id }])
    expect((await t.http().delete(`/v1/incidents/${from.id}`).set(t.auth())).status).toBe(204)
    expect((await related(target.id)).data).toEqual([])
    expect((await t.http().delete(`/v1/incidents/${target.id}`).set(t.auth())).status).toBe(204)
  })
})

describe('GET /v1/incidents/{id}/related', () => {
  it('when asked, then both directions come, outgoing first, with include=incident the other incident', async () => {
    const extra = await createIncident(t, { title: 'Reprisal', relations: [{ incidentId: id.strikes, kind: 'responds_to' }] })
    const all = await related(id.strikes, '?include=incident')
    expect(all.data.map(({ incident, ...r }: { incident: { id: string, title: string } }) => ({ ...r, title: incident.title }))).toEqual([
      { incidentId: id.attacks, kind: 'responds_to', direction: 'outgoing', assertedById: id.pak, statementIds: [id.claim], title: 'TTP attacks' },
      { incidentId: extra.id, kind: 'responds_to', direction: 'incoming', assertedById: null, statementIds: [], title: 'Reprisal' }
    ])
    expect((await related(id.attacks, '?direction=incoming&kind=responds_to')).data.map((r: { incidentId: string }) => r.incidentId)).toEqual([id.strikes])
    expect((await related(id.attacks, '?kind=same_as')).data).toEqual([])
  })

  it('when paged, then the cursor walks every relation once', async () => {
    const first = await related(id.strikes, '?limit=1&includeTotal=true')
    expect(first.page.total).toBe(2)
    const second = await related(id.strikes, `?limit=1&cursor=${first.page.nextCursor}`)
    expect([first.data[0].direction, second.data[0].direction]).toEqual(['outgoing', 'incoming'])
    expect(second.page.nextCursor).toBeNull()
  })

  it('when the incident does not exist, then 404', async () => {
    const res = await get('/v1/incidents/0190f3a4-7b2c-7d3e-8f40-000000000000/related')
    expect(res.status).toBe(404)
  })
})

describe('relatedTo and the exports', () => {
  it('when relatedTo is given, then incidents linked either way are listed, in the JSON list and the CSV export', async () => {
    const list = await get(`/v1/incidents?relatedTo=${id.attacks}&limit=500`)
    expect(list.body.data.map((i: { id: string }) => i.id)).toContain(id.strikes)
    const back = await get(`/v1/incidents?relatedTo=${id.strikes}`)
    expect(back.body.data.map((i: { id: string }) => i.id)).toContain(id.attacks)
    const csv = await t.http().get(`/v1/incidents?relatedTo=${id.attacks}&format=csv`)
    expect(csv.status).toBe(200)
    const [header, ...rows] = csv.text.trim().split('\n')
    expect(header.split(',')).toContain('relations')
    expect(rows.find((r) => r.startsWith(id.strikes))).toContain(`${id.attacks}:responds_to:${id.pak}:${id.claim}`)
    const ndjson = await t.http().get(`/v1/incidents?relatedTo=${id.attacks}&format=ndjson`)
    const strikes = ndjson.text.trim().split('\n').map((l) => JSON.parse(l)).find((i: { id: string }) => i.id === id.strikes)
    expect(strikes.relations).toEqual([{ incidentId: id.attacks, kind: 'responds_to', assertedById: id.pak, statementIds: [id.claim] }])
  })
})

describe('relations in the import', () => {
  const post = (...lines: object[]) => t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson')
    .send(lines.map((l) => JSON.stringify(l)).join('\n') + '\n')

  it('when a relation names an incident and a statement further down, then both are written and the statement is linked', async () => {
    const res = await post(
      { entity: 'incident', ref: 'reply', data: { type: 'airstrike', title: 'Reply', occurredAt: '2025-02-01T00:00:00Z', countryCodes: ['AF'], relations: [{ incidentId: { ref: 'first' }, kind: 'responds_to', assertedById: id.pak, statementIds: [{ ref: 'said' }, id.claim] }] } },
      { entity: 'incident', ref: 'first', data: { type: 'militant_attack', title: 'First', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['PK'] } },
      { entity: 'statement', ref: 'said', data: { speakerId: id.pak, kind: 'claim', summary: 'It was a reply', language: 'en', statedAt: '2025-02-02T00:00:00Z' } }
    )
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const { reply, first, said } = res.body.refs
    expect((await get(`/v1/incidents/${reply}`)).body.relations).toEqual([{ incidentId: first, kind: 'responds_to', assertedById: id.pak, statementIds: [said, id.claim] }])
    expect((await get(`/v1/statements/${said}`)).body.incidentIds).toEqual([reply])
    const claim = await get(`/v1/statements/${id.claim}`)
    expect(claim.body.incidentIds).toEqual([id.strikes, reply])
    expect(claim.body.version).toBe(3)
    const revisions = await get(`/v1/statements/${id.claim}/revisions`)
    expect(revisions.status).toBe(200)
    expect(revisions.body.data.length).toBe(3)
  })

  it('when the file\'s part_of relations form a cycle, then the line is refused with the path and nothing is written', async () => {
    const line = (ref: string, parent: string) =>
      ({ entity: 'incident', ref, data: { type: 'other', title: ref, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], relations: [{ incidentId: { ref: parent }, kind: 'part_of' }] } })
    const res = await post(line('x', 'y'), line('y', 'x'))
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([expect.objectContaining({ line: 1, path: 'data.relations.0.incidentId', message: expect.stringContaining('part_of would make a cycle') })])
  })
})

describe('an asserting actor merged into another', () => {
  it('when merged, then the relation names the survivor', async () => {
    const dup = await createActor(t, { name: 'Pakistani government', kind: 'government' })
    const into = await createActor(t, { name: 'Government of Pakistan', kind: 'government' })
    const incident = await createIncident(t, { relations: [{ incidentId: id.attacks, kind: 'follows', assertedById: dup.id }] })
    const res = await t.http().post(`/v1/actors/${dup.id}/merge`).set(t.auth()).send({ into: into.id })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const after = await get(`/v1/incidents/${incident.id}`)
    expect(after.body.relations[0].assertedById).toBe(into.id)
    expect(after.body.version).toBe(2)
  })
})
