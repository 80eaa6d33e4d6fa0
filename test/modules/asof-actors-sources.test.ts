import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createSource } from '../factories/index.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}
const withAsOf = (url: string, asOf: string) => `${url}${url.includes('?') ? '&' : '?'}asOf=${encodeURIComponent(asOf)}`

describe('asOf on actor and source lists', () => {
  it('when actors were renamed, merged and edited and sources edited and added since, then asOf=seq:N answers each list as it was at N', async () => {
    const government = await createActor(t, { name: 'Snapshot Government', kind: 'government', countryCode: 'AF', externalIds: { wikidata: 'Q1' } })
    const ministry = await createActor(t, { name: 'Snapshot Ministry', kind: 'government', parentId: government.id, aliases: ['Ministère'] })
    const duplicate = await createActor(t, { name: 'Snapshot Ministry of Defence', kind: 'government' })
    await createSource(t, { title: 'Snapshot report', publisher: 'Wire', publishedAt: '2025-10-09T00:00:00Z' })
    const edited = await createSource(t, { title: 'Snapshot story', publisher: 'Daily', publishedAt: null })
    const urls = [
      '/v1/actors',
      '/v1/actors?q=snapshot&sort=-createdAt&includeTotal=true',
      '/v1/actors?q=ministere',
      `/v1/actors?parent=${government.id}`,
      '/v1/actors?externalId=wikidata:Q1',
      '/v1/actors?kind=government&country=AF',
      '/v1/sources',
      '/v1/sources?q=story&sort=title',
      '/v1/sources?publisher=daily&includeTotal=true'
    ]
    const seq = (await t.http().patch(`/v1/sources/${edited.id}`).set(t.auth()).send({ language: 'en' }).expect(200)).headers['sitrep-seq']
    const before = new Map<string, unknown>()
    for (const url of urls) before.set(url, (await get(url)).body)

    await t.http().patch(`/v1/actors/${government.id}`).set(t.auth()).send({ name: 'Renamed Government', countryCode: 'PK', externalIds: {} }).expect(200)
    await t.http().post(`/v1/actors/${duplicate.id}/merge`).set(t.auth()).send({ into: ministry.id }).expect(200)
    await t.http().patch(`/v1/actors/${ministry.id}`).set(t.auth()).send({ aliases: [], parentId: null }).expect(200)
    await t.http().patch(`/v1/sources/${edited.id}`).set(t.auth()).send({ title: 'Another headline', publisher: 'Weekly' }).expect(200)
    await createSource(t, { title: 'A later story', publisher: 'Daily' })

    for (const url of urls) {
      expect((await get(url)).body, `${url} changed`).not.toEqual(before.get(url))
      expect((await get(withAsOf(url, `seq:${seq}`))).body, url).toEqual(before.get(url))
    }
  })

  it('pages of a snapshot carry it in their cursor and Link', async () => {
    const seq = (await get('/v1/changes?limit=1000')).body.data.at(-1).seq
    const first = await get(`/v1/sources?limit=1&asOf=seq:${seq}`)
    expect(first.headers.link).toContain(`asOf=seq%3A${seq}`)
    expect((await get(`/v1/sources?limit=1&cursor=${first.body.page.nextCursor}`)).status).toBe(400)
    expect((await get(`/v1/sources?limit=1&asOf=seq:${seq}&cursor=${first.body.page.nextCursor}`)).status).toBe(200)
  })
})
