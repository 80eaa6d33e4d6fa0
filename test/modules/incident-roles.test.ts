import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createIncident } from '../factories/index.ts'

// Attributed roles (issue 14): who says an actor played a role, the statements that say it, and
// whether a denial disputes it.

let t: TestContext
const id: Record<string, string> = {}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}
const post = (body: object) => t.http().post('/v1/incidents').set(t.auth()).send({ type: 'airstrike', title: 'Strikes', occurredAt: '2025-10-09T21:30:00Z', countryCodes: ['AF'], ...body })
const patch = (incidentId: string, body: object) =>
  t.http().patch(`/v1/incidents/${incidentId}`).set(t.auth()).set('content-type', 'application/merge-patch+json').send(body)
const statement = async (body: Record<string, unknown>) => {
  const res = await t.http().post('/v1/statements').set(t.auth())
    .send({ speakerId: id.pak, kind: 'claim', summary: 'A statement', language: 'en', statedAt: '2025-10-10T00:00:00Z', ...body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as { id: string, version: number, incidentIds: string[] }
}
const role = (actorId: string, r: string, more: object = {}) => ({ actorId, role: r, ...more })
const ids = (body: { data: Array<{ id: string }> }) => body.data.map((i) => i.id)

beforeAll(async () => {
  t = await createTestApp()
  for (const name of ['pak', 'ttp', 'afgov', 'civ']) id[name] = (await createActor(t, { name: `Roles ${name}` })).id
})

describe('roles on a write', () => {
  it('when a role leaves out its attribution, then it is confirmed with no asserter, as before', async () => {
    const res = await post({ actors: [role(id.pak, 'perpetrator')] })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.actors).toEqual([{ actorId: id.pak, role: 'perpetrator', attribution: 'confirmed', assertedById: null, statementIds: [], disputed: false }])
  })

  it('when a claim leaves out its asserter, then the actor itself asserts it', async () => {
    const res = await post({ actors: [role(id.ttp, 'perpetrator', { attribution: 'claimed' })] })
    expect(res.status).toBe(201)
    expect(res.body.actors[0]).toMatchObject({ attribution: 'claimed', assertedById: id.ttp })
    const given = await post({ actors: [role(id.ttp, 'perpetrator', { attribution: 'claimed', assertedById: id.ttp })] })
    expect(given.body.actors[0]).toMatchObject({ attribution: 'claimed', assertedById: id.ttp })
  })

  it.each([
    ['an alleged role without asserter', { attribution: 'alleged' }, 'actors.0.assertedById'],
    ['a claim asserted by another actor', { attribution: 'claimed', assertedById: 'pak' }, 'actors.0.assertedById'],
    ['a confirmed role with an asserter', { attribution: 'confirmed', assertedById: 'pak' }, 'actors.0.assertedById'],
    ['a role whose asserter does not exist', { attribution: 'alleged', assertedById: '0190f3a4-7b2c-7d3e-8f40-00000000dead' }, 'actors.0.assertedById'],
    ['a role whose statement does not exist', { attribution: 'alleged', assertedById: 'pak', statementIds: ['0190f3a4-7b2c-7d3e-8f40-00000000beef'] }, 'actors.0.statementIds.0'],
    ['an unknown attribution', { attribution: 'rumoured' }, 'actors.0.attribution']
  ])('when the body has %s, then 400 naming the field', async (_name, given: Record<string, unknown>, path) => {
    const more = { ...given, ...(given.assertedById === 'pak' ? { assertedById: id.pak } : {}) }
    const res = await post({ actors: [role(id.ttp, 'target', more)] })
    expect(res.status, JSON.stringify(res.body)).toBe(400)
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path])
  })

  it('when the same actor, role and asserter come twice, then 400; asserted by two parties, then both are kept', async () => {
    const twice = await post({ actors: [role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak }), role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak })] })
    expect(twice.status).toBe(400)
    expect(twice.body.errors).toEqual([{ in: 'body', path: 'actors.1', message: 'the same actor, role and assertedById are given twice' }])
    const confirmedTwice = await post({ actors: [role(id.ttp, 'target'), role(id.ttp, 'target')] })
    expect(confirmedTwice.status).toBe(400)
    const both = await post({ actors: [role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak }), role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.afgov }), role(id.ttp, 'target')] })
    expect(both.status, JSON.stringify(both.body)).toBe(201)
    expect(both.body.actors.map((a: { assertedById: string | null }) => a.assertedById)).toEqual([id.pak, id.afgov, null])
  })

  it('when a role cites a statement not linked to the incident, then the statement is linked, with a new version and a change', async () => {
    const said = await statement({ summary: 'Pakistan says it struck TTP hideouts' })
    const res = await post({ actors: [role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak, statementIds: [said.id] })] })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.actors[0].statementIds).toEqual([said.id])
    const after = (await get(`/v1/statements/${said.id}`)).body
    expect([after.incidentIds, after.version]).toEqual([[res.body.id], said.version + 1])
    const revisions = (await get(`/v1/statements/${said.id}/revisions`)).body.data
    expect(revisions.map((r: { action: string, version: number }) => [r.action, r.version])).toEqual([['created', 1], ['updated', 2]])
  })
})

describe('disputed and contested', () => {
  it('when the role\'s actor speaks a denial linked to the incident, then the role is disputed and the incident contested, with a new version and a change; deleting the denial undoes it', async () => {
    const incident = (await post({ actors: [role(id.ttp, 'perpetrator', { attribution: 'alleged', assertedById: id.pak }), role(id.pak, 'target')] })).body
    expect([incident.contested, incident.version]).toEqual([false, 1])
    const denial = await statement({ speakerId: id.ttp, kind: 'denial', summary: 'TTP denies it', incidentIds: [incident.id] })
    const disputed = (await get(`/v1/incidents/${incident.id}`)).body
    expect(disputed.actors.map((a: { disputed: boolean }) => a.disputed)).toEqual([true, false])
    expect([disputed.contested, disputed.version]).toEqual([true, 2])
    const revisions = (await get(`/v1/incidents/${incident.id}/revisions`)).body.data
    expect(revisions.at(-1)).toMatchObject({ action: 'updated', version: 2, before: { contested: false }, after: { contested: true } })
    expect(revisions.at(-1).after.actors[0].disputed).toBe(true)

    await t.http().delete(`/v1/statements/${denial.id}`).set(t.auth()).expect(204)
    const undone = (await get(`/v1/incidents/${incident.id}`)).body
    expect([undone.actors[0].disputed, undone.contested, undone.version]).toEqual([false, false, 3])
  })

  it('when a denial by a third party answers one of the role\'s statements, then that role is disputed and the others are not', async () => {
    const claim = await statement({ summary: 'Pakistan: the strikes hit TTP' })
    const incident = (await post({ actors: [role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak, statementIds: [claim.id] }), role(id.civ, 'victim')] })).body
    await statement({ speakerId: id.afgov, kind: 'denial', summary: 'Kabul: only civilians were hit', respondsToId: claim.id, incidentIds: [incident.id] })
    const after = (await get(`/v1/incidents/${incident.id}`)).body
    expect(after.actors.map((a: { disputed: boolean }) => a.disputed)).toEqual([true, false])
    expect(after.contested).toBe(true)
  })

  it('when a patch gives a role a statement a linked denial answers, then the role is disputed in the same write', async () => {
    const claim = await statement({ summary: 'Pakistan: TTP was the target' })
    const incident = (await post({ actors: [role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak })] })).body
    await statement({ speakerId: id.afgov, kind: 'denial', summary: 'No TTP there', respondsToId: claim.id, incidentIds: [incident.id] })
    const before = (await get(`/v1/incidents/${incident.id}`)).body
    expect([before.actors[0].disputed, before.contested]).toEqual([false, true])
    const res = await patch(incident.id, { actors: [role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak, statementIds: [claim.id] })] })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect([res.body.actors[0].disputed, res.body.version]).toEqual([true, before.version + 1])
  })
})

describe('role filters', () => {
  let both: string
  let confirmedOnly: string
  let claimed: string

  beforeAll(async () => {
    // X is a confirmed target and someone else an alleged target: one link each, never both on one.
    both = (await createIncident(t, { tags: ['role-filter'], actors: [role(id.ttp, 'target'), role(id.civ, 'target', { attribution: 'alleged', assertedById: id.pak })] })).id
    confirmedOnly = (await createIncident(t, { tags: ['role-filter'], actors: [role(id.ttp, 'target')] })).id
    claimed = (await createIncident(t, { tags: ['role-filter'], actors: [role(id.ttp, 'perpetrator', { attribution: 'claimed' }), role(id.ttp, 'target', { attribution: 'alleged', assertedById: id.pak })] })).id
  })

  const list = async (query: string) => {
    const res = await get(`/v1/incidents?tag=role-filter&limit=100&${query}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return ids(res.body).sort()
  }

  it('when actor, actorRole and attribution are given, then one and the same role must match them all', async () => {
    expect(await list(`actor=${id.ttp}&actorRole=target&attribution=alleged`)).toEqual([claimed])
    expect(await list(`actor=${id.ttp}&actorRole=target&attribution=confirmed`)).toEqual([both, confirmedOnly].sort())
    expect(await list(`actor=${id.ttp}&attribution=claimed`)).toEqual([claimed])
    expect(await list(`actor=${id.ttp}&actorRole=target&attribution=confirmed,claimed`)).toEqual([both, confirmedOnly].sort())
  })

  it('when assertedBy is given, then roles asserted by those actors match, combined with the other role filters on one role', async () => {
    expect(await list(`assertedBy=${id.pak}`)).toEqual([both, claimed].sort())
    expect(await list(`assertedBy=${id.pak}&actor=${id.ttp}`)).toEqual([claimed])
    expect(await list(`assertedBy=${id.ttp}`)).toEqual([claimed])
    expect(await list(`assertedBy=${id.pak}&actorRole=perpetrator`)).toEqual([])
  })

  it('when a filter value is not one of the attributions or not a uuid, then 400', async () => {
    expect((await get('/v1/incidents?attribution=rumoured')).status).toBe(400)
    expect((await get('/v1/incidents?assertedBy=nope')).status).toBe(400)
  })

  it('when the stats are filtered by role, then the same one-role rule picks the incidents and the actor buckets', async () => {
    const res = await get('/v1/stats/incidents?groupBy=actor&tag=role-filter&actorRole=target&attribution=alleged')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data.map((r: { actor: { id: string }, count: number }) => [r.actor.id, r.count]).sort())
      .toEqual([[id.civ, 1], [id.ttp, 1]].sort())
    const byType = await get(`/v1/stats/incidents?groupBy=type&tag=role-filter&actor=${id.ttp}&actorRole=target&attribution=alleged`)
    expect(byType.body.data).toMatchObject([{ type: 'other', count: 1 }])
  })

  it('when exported as CSV, then each role is actorId:role:attribution:assertedById:statementIds:disputed', async () => {
    const csv = await t.http().get('/v1/incidents?tag=role-filter&format=csv')
    expect(csv.status).toBe(200)
    const row = csv.text.split('\n').find((l) => l.startsWith(claimed))!
    expect(row).toContain(`${id.ttp}:perpetrator:claimed:${id.ttp}::false;${id.ttp}:target:alleged:${id.pak}::false`)
    const plain = csv.text.split('\n').find((l) => l.startsWith(confirmedOnly))!
    expect(plain).toContain(`${id.ttp}:target:confirmed:::false`)
  })
})

describe('roles in the import', () => {
  const importLines = (...lines: object[]) => t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson')
    .send(lines.map((l) => JSON.stringify(l)).join('\n') + '\n')

  it('when a role names its asserter and a statement of the file by ref, then it is written as the API writes it, disputed by a denial in the file', async () => {
    const res = await importLines(
      { entity: 'incident', ref: 'strikes', data: { type: 'airstrike', title: 'Imported strikes', occurredAt: '2025-10-09T21:30:00Z', countryCodes: ['AF'], actors: [{ actorId: id.pak, role: 'perpetrator' }, { actorId: { ref: 'group' }, role: 'target', attribution: 'alleged', assertedById: id.pak, statementIds: [{ ref: 'said' }] }] } },
      { entity: 'actor', ref: 'group', data: { name: 'Imported group', kind: 'armed_group' } },
      { entity: 'statement', ref: 'said', data: { speakerId: id.pak, kind: 'claim', summary: 'We hit the group', language: 'en', statedAt: '2025-10-10T00:00:00Z' } },
      { entity: 'statement', ref: 'no', data: { speakerId: { ref: 'group' }, kind: 'denial', summary: 'We were not there', language: 'en', statedAt: '2025-10-11T00:00:00Z', incidentIds: [{ ref: 'strikes' }] } }
    )
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const { strikes, group, said } = res.body.refs
    const incident = (await get(`/v1/incidents/${strikes}`)).body
    expect(incident.actors).toEqual([
      { actorId: id.pak, role: 'perpetrator', attribution: 'confirmed', assertedById: null, statementIds: [], disputed: false },
      { actorId: group, role: 'target', attribution: 'alleged', assertedById: id.pak, statementIds: [said], disputed: true }
    ])
    expect(incident.contested).toBe(true)
    expect((await get(`/v1/statements/${said}`)).body.incidentIds).toEqual([strikes])
  })

  it('when a role breaks an attribution rule, then its line is refused with the same message as the API\'s', async () => {
    const res = await importLines({ entity: 'incident', data: { type: 'other', title: 'Bad', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: id.ttp, role: 'target', attribution: 'alleged' }] } })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([{ in: 'body', line: 1, path: 'data.actors.0.assertedById', message: 'an alleged role needs assertedById: the actor who alleges it' }])
  })

  it('when an imported denial is spoken by an existing incident\'s alleged actor, then that incident\'s role turns disputed with a new version', async () => {
    const incident = (await post({ actors: [role(id.civ, 'perpetrator', { attribution: 'alleged', assertedById: id.afgov })] })).body
    const res = await importLines({ entity: 'statement', data: { speakerId: id.civ, kind: 'denial', summary: 'Not us', language: 'en', statedAt: '2025-10-11T00:00:00Z', incidentIds: [incident.id] } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const after = (await get(`/v1/incidents/${incident.id}`)).body
    expect([after.actors[0].disputed, after.contested, after.version]).toEqual([true, true, 2])
    const revisions = (await get(`/v1/incidents/${incident.id}/revisions`)).body.data
    expect(revisions.at(-1).after).toEqual(after)
  })
})

describe('actor merge', () => {
  it('when the merged actor asserts roles, then they name the survivor, and a role that becomes a twin collapses into the survivor\'s with both statements', async () => {
    const dup = (await createActor(t, { name: 'Roles duplicate' })).id
    const survivor = (await createActor(t, { name: 'Roles survivor' })).id
    const one = await statement({ speakerId: survivor, summary: 'Survivor says TTP' })
    const two = await statement({ speakerId: dup, summary: 'Duplicate says TTP' })
    const incident = (await post({
      actors: [
        role(id.ttp, 'target', { attribution: 'alleged', assertedById: survivor, statementIds: [one.id] }),
        role(id.ttp, 'target', { attribution: 'alleged', assertedById: dup, statementIds: [two.id] }),
        role(id.civ, 'victim', { attribution: 'alleged', assertedById: dup })
      ]
    })).body
    const merged = await t.http().post(`/v1/actors/${dup}/merge`).set(t.auth()).send({ into: survivor })
    expect(merged.status, JSON.stringify(merged.body)).toBe(200)
    const after = (await get(`/v1/incidents/${incident.id}`)).body
    expect(after.actors).toEqual([
      { actorId: id.ttp, role: 'target', attribution: 'alleged', assertedById: survivor, statementIds: [one.id, two.id], disputed: false },
      { actorId: id.civ, role: 'victim', attribution: 'alleged', assertedById: survivor, statementIds: [], disputed: false }
    ])
    expect(after.version).toBe(incident.version + 1)
  })

  it('when an actor still asserts a role, then deleting it is a 409 naming the incident', async () => {
    const asserter = (await createActor(t, { name: 'Roles asserter' })).id
    const incident = (await post({ actors: [role(id.ttp, 'target', { attribution: 'alleged', assertedById: asserter })] })).body
    const res = await t.http().delete(`/v1/actors/${asserter}`).set(t.auth())
    expect(res.status).toBe(409)
    expect(res.body.referrers).toEqual([{ entity: 'incident', id: incident.id }])
  })
})
