import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

let t: TestContext
const id: Record<string, string> = {}
const OFFER_QUOTE = 'We’re ready to help — if both sides want it, we’ll mediate. «Paix» 和平 سلام'

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

async function statement (body: Record<string, unknown>) {
  const res = await t.http().post('/v1/statements').set(t.auth()).send({ language: 'en', statedAt: '2025-10-10T12:00:00Z', ...body })
  expectMatchesSpec(res, 'POST', '/v1/statements')
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as { id: string } & Record<string, any>
}

/** Fixture names of the statements a list returns, in order. */
async function names (query: string, path = '/v1/statements') {
  const res = await get(`${path}?limit=500${query ? `&${query}` : ''}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  const byId = Object.fromEntries(Object.entries(id).map(([k, v]) => [v, k]))
  return res.body.data.map((s: { id: string }) => byId[s.id])
}
const sorted = async (query: string, path?: string) => (await names(query, path)).sort()

beforeAll(async () => {
  t = await createTestApp()
  const actors = {
    pakistan: { name: 'Pakistan', kind: 'state', countryCode: 'PK' },
    ispr: { name: 'Inter-Services Public Relations', kind: 'military', countryCode: 'PK' },
    taliban: { name: 'Afghan Taliban government', kind: 'government', countryCode: 'AF' },
    mod: { name: 'Ministry of Defence of Afghanistan', kind: 'military', countryCode: 'AF' },
    ttp: { name: 'Tehrik-i-Taliban Pakistan', kind: 'armed_group', aliases: ['TTP'] },
    china: { name: 'China', kind: 'state', countryCode: 'CN' },
    russia: { name: 'Russia', kind: 'state', countryCode: 'RU' },
    trump: { name: 'Donald Trump', kind: 'person', countryCode: 'US' },
    wilson: { name: 'Wilson Center', kind: 'think_tank', countryCode: 'US' }
  }
  for (const [name, body] of Object.entries(actors)) id[name] = (await createActor(t, body)).id
  id.kugelman = (await createActor(t, { name: 'Michael Kugelman', kind: 'person', parentId: id.wilson, title: 'South Asia analyst' })).id
  id.src = (await createSource(t, { title: 'Afghanistan–Pakistan clashes' })).id
  id.strikes = (await createIncident(t, { type: 'airstrike', title: 'Pakistani airstrikes in Kabul and Paktika', occurredAt: '2025-10-09T21:30:00Z', countryCodes: ['AF'], actors: [{ actorId: id.pakistan, role: 'perpetrator' }] })).id
  id.ttpAttack = (await createIncident(t, { type: 'militant_attack', title: 'TTP attack in Orakzai', occurredAt: '2025-10-08T10:00:00Z', countryCodes: ['PK'], actors: [{ actorId: id.ttp, role: 'perpetrator' }] })).id
  await addCasualtyReport(t, id.strikes, { reportedById: id.mod, min: 3, qualifier: 'at_least', groups: ['civilians', 'women', 'children'] })

  id.confirm = (await statement({ speakerId: id.ispr, kind: 'confirmation', summary: 'Pakistan confirmed it carried out strikes against TTP hideouts.', incidentIds: [id.strikes], aboutActorIds: [id.ttp], statedAt: '2025-10-10T08:00:00Z', sourceIds: [id.src] })).id
  id.accuse = (await statement({ speakerId: id.pakistan, kind: 'accusation', summary: 'Pakistan accused the Taliban government of sheltering the TTP.', aboutActorIds: [id.ttp, id.taliban], statedAt: '2025-10-10T09:00:00Z', quote: 'Afghan soil is being used against Pakistan.' })).id
  id.deny = (await statement({ speakerId: id.taliban, speakerTitle: 'Spokesman', kind: 'denial', summary: 'The Taliban denied harbouring the TTP.', respondsToId: id.accuse, aboutActorIds: [id.ttp], statedAt: '2025-10-10T11:00:00Z', quote: 'We do not allow anyone to use our territory against another country.' })).id
  id.condemn = (await statement({ speakerId: id.mod, kind: 'condemnation', summary: 'The defence ministry condemned the strikes on Kabul.', incidentIds: [id.strikes], statedAt: '2025-10-10T07:30:00Z' })).id
  id.chinaAppeal = (await statement({ speakerId: id.china, kind: 'appeal', summary: 'China urged restraint from both sides.', aboutActorIds: [id.pakistan, id.taliban], statedAt: '2025-10-11T09:00:00Z', language: 'zh', quote: '我们呼吁双方保持克制。' })).id
  id.russiaAppeal = (await statement({ speakerId: id.russia, kind: 'appeal', summary: 'Russia called for dialogue.', aboutActorIds: [id.pakistan, id.taliban], statedAt: '2025-10-11T10:00:00Z' })).id
  id.offer = (await statement({ speakerId: id.trump, speakerTitle: 'Former U.S. President', kind: 'offer', summary: 'Trump offered to mediate.', quote: OFFER_QUOTE, aboutActorIds: [id.pakistan, id.taliban], statedAt: '2025-10-12T15:00:00Z' })).id
  id.assess1 = (await statement({ speakerId: id.kugelman, speakerTitle: 'Director, South Asia Institute, Wilson Center', kind: 'assessment', summary: 'The analyst said the TTP attacks drive Pakistan\'s strikes.', quote: 'Pakistan’s patience has run out.', incidentIds: [id.ttpAttack, id.strikes], statedAt: '2025-10-12T16:00:00Z' })).id
  id.assess2 = (await statement({ speakerId: id.kugelman, kind: 'assessment', summary: 'The analyst expects more cross-border escalation.', statedAt: '2025-10-12T17:00:00Z' })).id
})

describe('POST /v1/statements', () => {
  it('stores quotes byte for byte: curly apostrophes, dashes, guillemets and other scripts', async () => {
    const res = await get(`/v1/statements/${id.offer}`)
    expect(res.body.quote).toBe(OFFER_QUOTE)
    expect(res.body).toMatchObject({ speakerId: id.trump, speakerTitle: 'Former U.S. President', kind: 'offer', respondsToId: null, incidentIds: [], aboutActorIds: [id.pakistan, id.taliban], datePrecision: 'exact', version: 1 })
    const found = await names('q=mediate')
    expect(found).toEqual(['offer'])
  })

  it('when ids are unknown or the statement answered is deleted, then 400 names each', async () => {
    const ghost = '0199c9a8-0000-7000-8000-00000000000a'
    const res = await t.http().post('/v1/statements').set(t.auth()).send({ speakerId: ghost, kind: 'claim', summary: 'x', language: 'en', statedAt: '2025-10-10T00:00:00Z', incidentIds: [ghost], aboutActorIds: [ghost], sourceIds: [ghost], respondsToId: ghost })
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['aboutActorIds.0', 'incidentIds.0', 'respondsToId', 'sourceIds.0', 'speakerId'])

    const claim = await statement({ speakerId: id.ttp, kind: 'claim', summary: 'A claim to delete' })
    await t.http().delete(`/v1/statements/${claim.id}`).set(t.auth()).expect(204)
    const late = await t.http().post('/v1/statements').set(t.auth()).send({ speakerId: id.taliban, kind: 'denial', summary: 'late', language: 'en', statedAt: '2025-10-10T00:00:00Z', respondsToId: claim.id })
    expect(late.status).toBe(400)
    expect(late.body.errors).toEqual([{ in: 'body', path: 'respondsToId', message: `statement ${claim.id} does not exist` }])
  })

  it('when a statement would respond to itself or form a cycle, then 400', async () => {
    const a = await statement({ speakerId: id.ttp, kind: 'claim', summary: 'claim A' })
    const self = await t.http().patch(`/v1/statements/${a.id}`).set(t.auth()).send({ respondsToId: a.id })
    expect(self.status).toBe(400)
    expect(self.body.errors[0]).toMatchObject({ path: 'respondsToId', message: 'a statement cannot respond to itself' })
    const b = await statement({ speakerId: id.pakistan, kind: 'denial', summary: 'denies A', respondsToId: a.id })
    const cycle = await t.http().patch(`/v1/statements/${a.id}`).set(t.auth()).send({ respondsToId: b.id })
    expect(cycle.status).toBe(400)
    await t.http().delete(`/v1/statements/${b.id}`).set(t.auth()).expect(204)
    await t.http().delete(`/v1/statements/${a.id}`).set(t.auth()).expect(204)
  })

  it('when an incident it names is deleted, then the statement gets a new version, ETag and change without it', async () => {
    const incident = (await createIncident(t, { type: 'shelling', title: 'Shelling to delete', occurredAt: '2025-10-11T10:00:00Z', countryCodes: ['AF'] })).id
    const kept = (await createIncident(t, { type: 'shelling', title: 'Shelling kept', occurredAt: '2025-10-11T11:00:00Z', countryCodes: ['AF'] })).id
    const s = await statement({ speakerId: id.mod, kind: 'condemnation', summary: 'condemns the shelling', incidentIds: [incident, kept] })
    const before = await get(`/v1/statements/${s.id}`)
    await t.http().delete(`/v1/incidents/${incident}`).set(t.auth()).expect(204)
    const after = await get(`/v1/statements/${s.id}`)
    expect(after.body).toMatchObject({ incidentIds: [kept], version: 2 })
    expect(after.headers.etag).not.toBe(before.headers.etag)
    await t.http().get(`/v1/statements/${s.id}`).set('if-none-match', before.headers.etag).expect(200)
    const revisions = await t.http().get(`/v1/statements/${s.id}/revisions`).set(t.auth())
    expect(revisions.status).toBe(200)
    const last = revisions.body.data.find((r: { version: number }) => r.version === 2)
    expect(last).toMatchObject({ action: 'updated', before: { incidentIds: [incident, kept] }, after: { incidentIds: [kept] } })
    await t.http().delete(`/v1/statements/${s.id}`).set(t.auth()).expect(204)
    await t.http().delete(`/v1/incidents/${kept}`).set(t.auth()).expect(204)
  })

  it('when the statement answered still has live responses, then deleting it is 409 naming them', async () => {
    const res = await t.http().delete(`/v1/statements/${id.accuse}`).set(t.auth())
    expect(res.status).toBe(409)
    expect(res.body.referrers).toEqual([{ entity: 'statement', id: id.deny }])
  })
})

describe('GET /v1/statements filters', () => {
  it.each([
    ['kind=appeal', ['chinaAppeal', 'russiaAppeal']],
    ['kind=denial,accusation', ['accuse', 'deny']],
    ['speaker=KUGELMAN', ['assess1', 'assess2']],
    ['aboutActor=TTP', ['accuse', 'confirm', 'deny']],
    ['incident=STRIKES', ['assess1', 'condemn', 'confirm']],
    ['respondsTo=ACCUSE', ['deny']],
    ['from=2025-10-11&to=2025-10-12', ['chinaAppeal', 'russiaAppeal']],
    ['hasQuote=true', ['accuse', 'assess1', 'chinaAppeal', 'deny', 'offer']],
    ['hasQuote=false&kind=appeal', ['russiaAppeal']],
    ['language=zh', ['chinaAppeal']],
    ['q=territory', ['deny']],
    ['q=%22patience%20has%20run%20out%22', ['assess1']],
    ['q=ttp%20-denied', ['accuse', 'assess1', 'confirm']],
    ['kind=assessment&incident=STRIKES&hasQuote=true', ['assess1']],
    ['updatedSince=2999-01-01', []]
  ])('%s', async (query, expected) => {
    const resolved = query.replace('KUGELMAN', id.kugelman).replace('TTP', id.ttp).replace('STRIKES', id.strikes).replace('ACCUSE', id.accuse)
    expect(await sorted(resolved)).toEqual(expected)
  })

  it('sorts newest first by default and pages with the cursor without gaps', async () => {
    const full = await names('')
    expect(full.slice(0, 3)).toEqual(['assess2', 'assess1', 'offer'])
    const walked: string[] = []
    let url: string | null = '/v1/statements?limit=3&sort=statedAt'
    while (url) {
      const res = await get(url)
      const byId = Object.fromEntries(Object.entries(id).map(([k, v]) => [v, k]))
      walked.push(...res.body.data.map((s: { id: string }) => byId[s.id]))
      url = res.body.page.nextCursor ? `/v1/statements?limit=3&sort=statedAt&cursor=${res.body.page.nextCursor}` : null
    }
    expect(walked).toEqual([...full].reverse())
  })

  it('expands include=speaker,incidents,aboutActors,respondsTo,sources', async () => {
    const res = await get(`/v1/statements/${id.deny}?include=speaker,incidents,aboutActors,respondsTo,sources`)
    expect(res.body.speaker.name).toBe('Afghan Taliban government')
    expect(res.body.aboutActors.map((a: { name: string }) => a.name)).toEqual(['Tehrik-i-Taliban Pakistan'])
    expect(res.body.respondsTo).toMatchObject({ id: id.accuse, kind: 'accusation', quote: 'Afghan soil is being used against Pakistan.' })
    expect(res.body.incidents).toEqual([])
    const confirm = await get(`/v1/statements?incident=${id.strikes}&kind=confirmation&include=incidents,sources`)
    expect(confirm.body.data[0].incidents[0]).toMatchObject({ id: id.strikes, type: 'airstrike' })
    expect(confirm.body.data[0].sources[0].id).toBe(id.src)
  })

  it.each([['kind=rumour', 'kind'], ['hasQuote=yes', 'hasQuote'], ['speaker=x', 'speaker'], ['sort=kind', 'sort'], ['language=English', 'language']])(
    'when %s, then 400 on %s', async (query, path) => {
      const res = await get(`/v1/statements?${query}`)
      expect(res.status).toBe(400)
      expect(res.body.errors[0].path).toBe(path)
    })
})

describe('views a newsroom builds pages from', () => {
  it('GET /v1/incidents/{id}/statements and /v1/actors/{id}/statements', async () => {
    expect(await sorted('', `/v1/incidents/${id.strikes}/statements`)).toEqual(['assess1', 'condemn', 'confirm'])
    expect(await sorted('kind=assessment', `/v1/incidents/${id.strikes}/statements`)).toEqual(['assess1'])
    expect(await sorted('', `/v1/actors/${id.kugelman}/statements`)).toEqual(['assess1', 'assess2'])
    expect((await get('/v1/incidents/0199c9a8-0000-7000-8000-00000000000b/statements')).status).toBe(404)
  })

  it('GET /v1/incidents/{id}/accounts groups statements and figures by actor', async () => {
    const res = await get(`/v1/incidents/${id.strikes}/accounts`)
    expect(res.body).toMatchObject({ incidentId: id.strikes, fatalities: { low: 3, best: 3, high: 3 }, contested: false })
    const summary = res.body.accounts.map((a: any) => [a.actor.name, a.statements.map((s: any) => s.kind), a.casualtyReports.map((r: any) => r.min)])
    expect(summary).toEqual([
      ['Inter-Services Public Relations', ['confirmation'], []],
      ['Michael Kugelman', ['assessment'], []],
      ['Ministry of Defence of Afghanistan', ['condemnation'], [3]]
    ])
  })

  it('include=statements on an incident lists its statements oldest first', async () => {
    const res = await get(`/v1/incidents/${id.strikes}?include=statements`)
    expect(res.body.statements.map((s: { kind: string }) => s.kind)).toEqual(['condemnation', 'confirmation', 'assessment'])
  })
})

describe('contested', () => {
  it('turns true when a denial is linked to the incident and back to false when it is unlinked or deleted', async () => {
    const incident = async () => (await get(`/v1/incidents/${id.ttpAttack}`)).body
    expect((await incident()).contested).toBe(false)
    const denial = await statement({ speakerId: id.ttp, kind: 'denial', summary: 'The TTP denied the attack.', incidentIds: [id.ttpAttack] })
    expect((await incident()).contested).toBe(true)
    await t.http().patch(`/v1/statements/${denial.id}`).set(t.auth()).send({ incidentIds: [] }).expect(200)
    expect((await incident()).contested).toBe(false)
    await t.http().patch(`/v1/statements/${denial.id}`).set(t.auth()).send({ incidentIds: [id.ttpAttack] }).expect(200)
    expect((await incident()).contested).toBe(true)
    await t.http().patch(`/v1/statements/${denial.id}`).set(t.auth()).send({ kind: 'claim' }).expect(200)
    expect((await incident()).contested).toBe(false)
    await t.http().patch(`/v1/statements/${denial.id}`).set(t.auth()).send({ kind: 'denial' }).expect(200)
    expect((await incident()).contested).toBe(true)
    await t.http().delete(`/v1/statements/${denial.id}`).set(t.auth()).expect(204)
    const after = await incident()
    expect(after.contested).toBe(false)
    const changes = await t.app.db.change.findMany({ where: { entity: 'incident', entityId: id.ttpAttack }, orderBy: { seq: 'asc' } })
    expect(changes.map((c) => (c.after as { contested: boolean }).contested)).toEqual([false, true, false, true, false, true, false])
  })
})

describe('GET /v1/timeline', () => {
  it('merges incidents and statements newest first and pages across both kinds', async () => {
    const full = await get('/v1/timeline?limit=500')
    const kinds = full.body.data.map((e: { kind: string, at: string }) => e.at)
    expect(kinds).toEqual([...kinds].sort().reverse())
    expect(new Set(full.body.data.map((e: { kind: string }) => e.kind))).toEqual(new Set(['incident', 'statement']))
    const walked: string[] = []
    let url: string | null = '/v1/timeline?limit=2'
    while (url) {
      const res = await get(url)
      walked.push(...res.body.data.map((e: { item: { id: string } }) => e.item.id))
      url = res.body.page.nextCursor ? `/v1/timeline?limit=2&cursor=${res.body.page.nextCursor}` : null
    }
    expect(walked).toEqual(full.body.data.map((e: { item: { id: string } }) => e.item.id))
  })

  it('filters by window, country and actor', async () => {
    const window = await get('/v1/timeline?from=2025-10-09&to=2025-10-10T08:00:00Z')
    expect(window.body.data.map((e: any) => [e.kind, e.item.title ?? e.item.summary])).toEqual([
      ['statement', 'The defence ministry condemned the strikes on Kabul.'],
      ['incident', 'Pakistani airstrikes in Kabul and Paktika']
    ])
    const china = await get(`/v1/timeline?actor=${id.china}`)
    expect(china.body.data.map((e: any) => e.item.id)).toEqual([id.chinaAppeal])
    const pk = await get('/v1/timeline?country=PK&kind=incident')
    expect(pk.body.data.map((e: any) => e.item.id)).toEqual([id.ttpAttack])
  })
})

describe('POST /v1/actors/{id}/merge', () => {
  it('moves every reference to the survivor, merges aliases, and the old id answers 308', async () => {
    const dup = await createActor(t, { name: 'Pakistani Taliban', kind: 'armed_group', aliases: ['Tehreek-e-Taliban'], externalIds: { ucdp: '1234' } })
    const member = await createActor(t, { name: 'TTP Swat faction', kind: 'armed_group', parentId: dup.id })
    const incident = await createIncident(t, { actors: [{ actorId: dup.id, role: 'perpetrator' }, { actorId: id.ttp, role: 'perpetrator' }] })
    const report = await addCasualtyReport(t, incident.id, { reportedById: dup.id, category: 'injured', min: 2 })
    const said = await statement({ speakerId: dup.id, kind: 'claim', summary: 'The group claimed the attack.', aboutActorIds: [dup.id, id.pakistan] })

    const res = await t.http().post(`/v1/actors/${dup.id}/merge`).set(t.auth()).send({ into: id.ttp })
    expectMatchesSpec(res, 'POST', `/v1/actors/${dup.id}/merge`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: id.ttp, aliases: ['TTP', 'Pakistani Taliban', 'Tehreek-e-Taliban'], externalIds: { ucdp: '1234' } })

    const moved = await t.http().get(`/v1/actors/${dup.id}`)
    expect(moved.status).toBe(308)
    expect(moved.headers.location).toBe(`/v1/actors/${id.ttp}`)
    const movedList = await t.http().get(`/v1/actors/${dup.id}/statements?kind=claim`)
    expect(movedList.status).toBe(308)
    expect(movedList.headers.location).toBe(`/v1/actors/${id.ttp}/statements?kind=claim`)

    expect((await get(`/v1/incidents/${incident.id}`)).body.actors).toEqual([{ actorId: id.ttp, role: 'perpetrator', attribution: 'confirmed', assertedById: null, statementIds: [], disputed: false }])
    expect((await get(`/v1/casualties/${report.id}`)).body).toMatchObject({ reportedById: id.ttp, version: 2 })
    expect((await get(`/v1/statements/${said.id}`)).body).toMatchObject({ speakerId: id.ttp, aboutActorIds: [id.ttp, id.pakistan], version: 2 })
    expect((await get(`/v1/actors/${member.id}`)).body.parentId).toBe(id.ttp)
    expect((await get('/v1/actors?q=pakistani%20tal')).body.data.map((a: { id: string }) => a.id)).toEqual([id.ttp])
    const dupRow = await t.app.db.actor.findUnique({ where: { id: dup.id } })
    expect(dupRow!.mergedIntoId).toBe(id.ttp)

    const stale = await t.http().post('/v1/statements').set(t.auth()).send({ speakerId: dup.id, kind: 'claim', summary: 'x', language: 'en', statedAt: '2025-10-10T00:00:00Z' })
    expect(stale.status).toBe(400)
    expect(stale.body.errors[0].message).toBe(`actor ${dup.id} was merged into ${id.ttp}; use that id`)
    const again = await t.http().post(`/v1/actors/${dup.id}/merge`).set(t.auth()).send({ into: id.ttp })
    expect(again.status).toBe(409)
  })

  it('when both actors gave a figure of one category on one incident, then 409 and nothing moves', async () => {
    const a = await createActor(t, { name: 'Duplicate ministry A' })
    const b = await createActor(t, { name: 'Duplicate ministry B' })
    const incident = await createIncident(t)
    const ra = await addCasualtyReport(t, incident.id, { reportedById: a.id, min: 1 })
    await addCasualtyReport(t, incident.id, { reportedById: b.id, min: 2 })
    const res = await t.http().post(`/v1/actors/${a.id}/merge`).set(t.auth()).send({ into: b.id })
    expect(res.status).toBe(409)
    expect(res.body.referrers).toEqual([{ entity: 'casualtyReport', id: ra.id }])
    expect((await get(`/v1/actors/${a.id}`)).status).toBe(200)
  })

  it('when merging into itself or into an unknown actor, then 400', async () => {
    const a = await createActor(t)
    expect((await t.http().post(`/v1/actors/${a.id}/merge`).set(t.auth()).send({ into: a.id })).status).toBe(400)
    expect((await t.http().post(`/v1/actors/${a.id}/merge`).set(t.auth()).send({ into: '0199c9a8-0000-7000-8000-00000000000c' })).status).toBe(400)
  })
})
