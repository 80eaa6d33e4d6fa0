import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}
const answer = (res: { headers: Record<string, string>, body: unknown, text: string }) =>
  res.headers['content-type'].startsWith('application/json') ? res.body : res.text
const withAsOf = (url: string, asOf: string) => `${url}${url.includes('?') ? '&' : '?'}asOf=${encodeURIComponent(asOf)}`
const ndjson = (...lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'

describe('asOf on statement lists and exports, across imports, merges, derived refreshes and deletes', () => {
  let seq: string
  let refs: Record<string, string>
  let urls: string[]
  const before = new Map<string, unknown>()

  beforeAll(async () => {
    // A whole story by the bulk import, whose writes are logged like single ones.
    const story = ndjson(
      { entity: 'actor', ref: 'ministry', data: { name: 'Ministry of Snapshots', kind: 'government' } },
      { entity: 'actor', ref: 'militia', data: { name: 'Snapshot Militia', kind: 'armed_group' } },
      { entity: 'actor', ref: 'dup', data: { name: 'Snapshot Ministry (duplicate)', kind: 'government' } },
      { entity: 'source', ref: 'article', data: { url: 'https://news.example.com/snapshots', title: 'Snapshots', publisher: 'Example', kind: 'news_article', language: 'en' } },
      { entity: 'incident', ref: 'raid', data: { type: 'raid', title: 'Night raid', occurredAt: '2025-10-09T22:00:00Z', countryCodes: ['AF'], actors: [{ actorId: { ref: 'militia' }, role: 'perpetrator' }], sourceIds: [{ ref: 'article' }] } },
      { entity: 'incident', ref: 'clash', data: { type: 'armed_clash', title: 'Clash at dawn', occurredAt: '2025-10-10T05:00:00Z', countryCodes: ['AF'] } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'raid' }, reportedById: { ref: 'ministry' }, category: 'killed', min: 4, qualifier: 'at_least' } },
      { entity: 'statement', ref: 'accusation', data: { speakerId: { ref: 'ministry' }, kind: 'accusation', summary: 'The ministry blames the militia for the raid', quote: 'They attacked at night', language: 'en', statedAt: '2025-10-10T08:00:00Z', incidentIds: [{ ref: 'raid' }, { ref: 'clash' }], aboutActorIds: [{ ref: 'militia' }], sourceIds: [{ ref: 'article' }] } },
      { entity: 'statement', ref: 'appeal', data: { speakerId: { ref: 'dup' }, kind: 'appeal', summary: 'A call for calm', language: 'en', statedAt: '2025-10-11T08:00:00Z', incidentIds: [{ ref: 'clash' }] } }
    )
    const imported = await t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(story)
    expect(imported.status, JSON.stringify(imported.body)).toBe(200)
    refs = imported.body.refs
    seq = imported.headers['sitrep-seq']
    expect(seq).toMatch(/^\d+$/)
    urls = [
      '/v1/statements',
      '/v1/statements?sort=updatedAt&includeTotal=true',
      `/v1/statements?incident=${refs.clash}`,
      `/v1/statements?aboutActor=${refs.militia}&kind=accusation`,
      '/v1/statements?q=calm',
      '/v1/statements?hasQuote=true',
      '/v1/statements?format=ndjson',
      '/v1/statements?format=csv',
      '/v1/statements?fields=id,summary,incidentIds',
      '/v1/statements?format=csv&fields=id,summary,quote',
      `/v1/actors/${refs.ministry}/statements`,
      `/v1/incidents/${refs.raid}/statements`,
      '/v1/incidents?format=ndjson',
      '/v1/stats/incidents?groupBy=actor'
    ]
    for (const url of urls) {
      const res = await get(url)
      expect(res.status, url).toBe(200)
      before.set(url, answer(res))
    }

    // A denial contests the raid (a derived refresh), the duplicate is merged, the clash deleted (its statements lose the link).
    await t.http().post('/v1/statements').set(t.auth()).send({
      speakerId: refs.militia,
      kind: 'denial',
      summary: 'The militia denies the raid',
      language: 'en',
      statedAt: '2025-10-10T09:00:00Z',
      incidentIds: [refs.raid],
      respondsToId: refs.accusation
    }).expect(201)
    await t.http().post(`/v1/actors/${refs.dup}/merge`).set(t.auth()).send({ into: refs.ministry }).expect(200)
    await t.http().patch(`/v1/statements/${refs.accusation}`).set(t.auth()).send({ summary: 'The ministry blames the militia', quote: null }).expect(200)
    await t.http().delete(`/v1/incidents/${refs.clash}`).set(t.auth()).expect(204)
    await t.http().delete(`/v1/statements/${refs.appeal}`).set(t.auth()).expect(204)
  })

  it('when statements were edited, linked, merged and deleted since, then asOf=seq:N answers what each query answered at N', async () => {
    for (const url of urls) {
      expect(answer(await get(url)), `${url} changed`).not.toEqual(before.get(url))
      expect(answer(await get(withAsOf(url, `seq:${seq}`))), url).toEqual(before.get(url))
    }
  })

  it('an incident deleted since still lists its statements as they were then', async () => {
    const res = await get(withAsOf(`/v1/statements?incident=${refs.clash}`, `seq:${seq}`))
    expect(res.body.data.map((s: { id: string }) => s.id).sort()).toEqual([refs.accusation, refs.appeal].sort())
    expect(res.body.data.find((s: { id: string }) => s.id === refs.accusation).incidentIds).toEqual([refs.raid, refs.clash])
  })

  it('include cannot be combined with asOf', async () => {
    const res = await get(`/v1/statements?asOf=seq:${seq}&include=speaker`)
    expect(res.status).toBe(400)
    expect(res.body.errors[0].path).toBe('include')
  })
})
