import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext

const post = (body: object, scope: 'read' | 'write' | 'admin' = 'write') =>
  t.http().post('/v1/actors').set(t.auth(scope)).send(body)

async function createActor (body: object) {
  const res = await post(body)
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as { id: string, name: string, version: number }
}

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((a) => a.id).sort()

beforeAll(async () => {
  t = await createTestApp()
})

describe('POST /v1/actors', () => {
  it('when the body is valid, then it creates the actor with defaults and a Location header', async () => {
    const res = await post({ name: 'Tehrik-i-Taliban Pakistan', kind: 'armed_group', aliases: ['TTP', 'Pakistani Taliban'], countryCode: 'PK', externalIds: { wikidata: 'Q1141297' } })
    expectMatchesSpec(res, 'POST', '/v1/actors')
    expect(res.status).toBe(201)
    expect(res.headers.location).toBe(`/v1/actors/${res.body.id}`)
    expect(res.body).toMatchObject({
      name: 'Tehrik-i-Taliban Pakistan',
      kind: 'armed_group',
      aliases: ['TTP', 'Pakistani Taliban'],
      countryCode: 'PK',
      parentId: null,
      title: null,
      description: null,
      externalIds: { wikidata: 'Q1141297' },
      mergedIntoId: null,
      version: 1
    })
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(res.body.createdAt).toBe(res.body.updatedAt)
  })

  it('when a name equals an existing name ignoring case, then 409 names the existing actor', async () => {
    const taliban = await createActor({ name: 'Afghan Taliban', kind: 'government', aliases: ['Islamic Emirate of Afghanistan'] })
    const res = await post({ name: 'afghan TALIBAN', kind: 'armed_group' })
    expectMatchesSpec(res, 'POST', '/v1/actors')
    expect(res.status).toBe(409)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.body).toMatchObject({ type: '/problems/conflict', status: 409, existing: { id: taliban.id, name: 'Afghan Taliban' } })
    expect(res.body.detail).toContain(taliban.id)
  })

  it('when an alias equals an existing alias ignoring accents and spacing, then 409', async () => {
    const existing = await createActor({ name: 'Khyber Pakhtunkhwa Police', kind: 'military', aliases: ['KP Police'] })
    const res = await post({ name: 'Provincial police', kind: 'military', aliases: ['kp   políce'] })
    expect(res.status).toBe(409)
    expect(res.body.existing.id).toBe(existing.id)
  })

  it('when a new name equals an existing alias, then 409', async () => {
    const res = await post({ name: 'ttp', kind: 'armed_group' })
    expect(res.status).toBe(409)
    expect(res.body.existing.name).toBe('Tehrik-i-Taliban Pakistan')
  })

  it('when the body has an unknown field, a bad enum and a bad country, then 400 lists each field', async () => {
    const res = await post({ name: 'X', kind: 'warlord', countryCode: 'pk', colour: 'red' })
    expectMatchesSpec(res, 'POST', '/v1/actors')
    expect(res.status).toBe(400)
    expect(res.body.type).toBe('/problems/validation')
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['colour', 'countryCode', 'kind'])
    expect(res.body.errors.every((e: { in: string }) => e.in === 'body')).toBe(true)
  })

  it('when the parent does not exist, then 400 names parentId', async () => {
    const res = await post({ name: 'Orphan ministry', kind: 'government', parentId: '0199c9a8-0000-7000-8000-000000000000' })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([{ in: 'body', path: 'parentId', message: 'actor 0199c9a8-0000-7000-8000-000000000000 does not exist' }])
  })

  it('when there is no key, then 401; with a read-only key, then 403', async () => {
    const anonymous = await t.http().post('/v1/actors').send({ name: 'Nobody', kind: 'other' })
    expectMatchesSpec(anonymous, 'POST', '/v1/actors')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers['www-authenticate']).toBe('Bearer')
    const bogus = await t.http().post('/v1/actors').set('authorization', 'Bearer sitrep_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').send({ name: 'Nobody', kind: 'other' })
    expect(bogus.status).toBe(401)
    const reader = await post({ name: 'Nobody', kind: 'other' }, 'read')
    expect(reader.status).toBe(403)
    expect(reader.body.type).toBe('/problems/forbidden')
  })

  it('when the body is not JSON, then 415; when it is malformed JSON, then 400', async () => {
    const text = await t.http().post('/v1/actors').set(t.auth()).set('content-type', 'text/plain').send('name=x')
    expect(text.status).toBe(415)
    expect(text.body.type).toBe('/problems/unsupported-media-type')
    const broken = await t.http().post('/v1/actors').set(t.auth()).set('content-type', 'application/json').send('{"name":')
    expect(broken.status).toBe(400)
    expect(broken.body.errors[0]).toMatchObject({ in: 'body', path: '' })
  })

  it('when the body exceeds the limit, then 413', async () => {
    const res = await post({ name: 'Big', kind: 'other', description: 'x'.repeat(1024 * 1024 + 10) })
    expect(res.status).toBe(413)
    expect(res.body.type).toBe('/problems/payload-too-large')
  })
})

describe('GET /v1/actors', () => {
  let ministry: { id: string }
  let government: { id: string }
  let wilson: { id: string }
  let analyst: { id: string }

  beforeAll(async () => {
    government = await createActor({ name: 'Government of Afghanistan', kind: 'government', countryCode: 'AF' })
    ministry = await createActor({ name: 'Ministry of Defence (Afghanistan)', kind: 'military', countryCode: 'AF', parentId: government.id, aliases: ['Afghan defence ministry'] })
    wilson = await createActor({ name: 'Wilson Center', kind: 'think_tank', countryCode: 'US', externalIds: { wikidata: 'Q1322839' } })
    analyst = await createActor({ name: 'Michael Kugelman', kind: 'person', parentId: wilson.id, title: 'South Asia analyst' })
    await createActor({ name: 'Émirat Test', kind: 'other' })
  })

  it('when q is a prefix of an alias in another case, then it finds the actor', async () => {
    const res = await get('/v1/actors?q=afghan%20DEF')
    expect(ids(res)).toEqual([ministry.id])
  })

  it('when q omits an accent, then it still matches, at the start of the name or of any word in a name or alias', async () => {
    const res = await get('/v1/actors?q=emirat')
    // "Émirat Test" by its name; "Afghan Taliban" by the word "Emirate" in its alias.
    expect(res.body.data.map((a: { name: string }) => a.name)).toEqual(['Afghan Taliban', 'Émirat Test'])
    expect(ids(await get('/v1/actors?q=kugel'))).toEqual([analyst.id])
    expect(ids(await get('/v1/actors?q=ugelman'))).toEqual([])
  })

  it('when q holds LIKE wildcards or a backslash, then they match only themselves', async () => {
    expect(ids(await get('/v1/actors?q=%25'))).toEqual([])
    expect(ids(await get('/v1/actors?q=_'))).toEqual([])
    expect(ids(await get('/v1/actors?q=%5C'))).toEqual([])
    expect(ids(await get('/v1/actors?q=wil%25'))).toEqual([])
    const odd = await createActor({ name: '100% Brigade_7', kind: 'armed_group' })
    expect(ids(await get('/v1/actors?q=100%25'))).toEqual([odd.id])
    expect(ids(await get('/v1/actors?q=brigade_'))).toEqual([odd.id])
    expect((await t.http().delete(`/v1/actors/${odd.id}`).set(t.auth())).status).toBe(204)
  })

  it('when filtering by kind, country, parent and externalId, then only matches come back', async () => {
    expect(ids(await get('/v1/actors?kind=think_tank,person'))).toEqual([wilson.id, analyst.id].sort())
    expect(ids(await get('/v1/actors?country=AF&kind=military'))).toEqual([ministry.id])
    expect(ids(await get(`/v1/actors?parent=${wilson.id}`))).toEqual([analyst.id])
    expect(ids(await get('/v1/actors?externalId=wikidata:Q1322839'))).toEqual([wilson.id])
  })

  it('when walking pages of 2 sorted by name, then every actor appears once, in order, with Link headers', async () => {
    const all = await get('/v1/actors?limit=500&includeTotal=true')
    const names: string[] = []
    let url: string | null = '/v1/actors?limit=2'
    let pages = 0
    while (url) {
      const res = await get(url)
      names.push(...res.body.data.map((a: { name: string }) => a.name))
      const next = res.body.page.nextCursor
      if (next) expect(res.headers.link).toBe(`</v1/actors?limit=2&cursor=${next}>; rel="next"`)
      else expect(res.headers.link).toBeUndefined()
      url = next ? `/v1/actors?limit=2&cursor=${next}` : null
      pages++
    }
    expect(names).toEqual(all.body.data.map((a: { name: string }) => a.name))
    expect(names).toEqual([...names].sort())
    expect(all.body.page.total).toBe(names.length)
    expect(pages).toBe(Math.ceil(names.length / 2))
  })

  it('when sorting by -createdAt, then the newest comes first', async () => {
    const res = await get('/v1/actors?sort=-createdAt&limit=1')
    expect(res.body.data[0].name).toBe('Émirat Test')
  })

  it('when the cursor is tampered with or from another sort, then 400 on cursor', async () => {
    const first = await get('/v1/actors?limit=1')
    const cursor: string = first.body.page.nextCursor
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`
    for (const url of [`/v1/actors?cursor=${tampered}`, '/v1/actors?cursor=garbage', `/v1/actors?sort=-name&cursor=${cursor}`]) {
      const res = await get(url)
      expect(res.status).toBe(400)
      expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'cursor' })
    }
  })

  it('when a query parameter is unknown or out of range, then 400 names it', async () => {
    const typo = await get('/v1/actors?knd=person')
    expect(typo.status).toBe(400)
    expect(typo.body.errors).toEqual([{ in: 'query', path: 'knd', message: 'unknown parameter' }])
    for (const [query, path] of [['limit=0', 'limit'], ['limit=501', 'limit'], ['kind=warlord', 'kind'], ['sort=colour', 'sort'], ['country=pk', 'country']]) {
      const res = await get(`/v1/actors?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.body.errors[0].path, query).toBe(path)
    }
  })
})

describe('GET /v1/actors/{id}', () => {
  it('when the id is unknown, then 404 problem; when it is not a uuid, then 400', async () => {
    const missing = await get('/v1/actors/0199c9a8-0000-7000-8000-000000000000')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ type: '/problems/not-found', status: 404, instance: '/v1/actors/0199c9a8-0000-7000-8000-000000000000' })
    const bad = await get('/v1/actors/42')
    expect(bad.status).toBe(400)
    expect(bad.body.errors[0]).toMatchObject({ in: 'path', path: 'id' })
  })
})

describe('PATCH /v1/actors/{id}', () => {
  it('when patching with null, then the field clears and the version increments', async () => {
    const actor = await createActor({ name: 'Zabihullah Mujahid', kind: 'person', title: 'Spokesman', description: 'Taliban spokesman' })
    const res = await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ title: null, aliases: ['Mujahid'] }))
    expectMatchesSpec(res, 'PATCH', `/v1/actors/${actor.id}`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ title: null, description: 'Taliban spokesman', aliases: ['Mujahid'], version: 2 })
    expect(res.body.updatedAt > res.body.createdAt).toBe(true)
    const found = await get('/v1/actors?q=mujahid')
    expect(ids(found)).toEqual([actor.id])
  })

  it('when a required field is set to null or an alias clashes, then 400 or 409', async () => {
    const actor = await createActor({ name: 'Pakistan Army', kind: 'military' })
    const nulled = await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).send({ name: null })
    expect(nulled.status).toBe(400)
    expect(nulled.body.errors[0].path).toBe('name')
    const clash = await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).send({ aliases: ['TTP'] })
    expect(clash.status).toBe(409)
    expect(clash.body.existing.name).toBe('Tehrik-i-Taliban Pakistan')
  })

  it('when the new parent would form a cycle, then 400', async () => {
    const a = await createActor({ name: 'Cycle A', kind: 'other' })
    const b = await createActor({ name: 'Cycle B', kind: 'other', parentId: a.id })
    const res = await t.http().patch(`/v1/actors/${a.id}`).set(t.auth()).send({ parentId: b.id })
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ path: 'parentId', message: 'the parent chain would form a cycle' })
  })
})

describe('DELETE /v1/actors/{id}', () => {
  it('when the actor has live members, then 409 names them; once they go, it deletes and frees the name', async () => {
    const parent = await createActor({ name: 'Parent Org', kind: 'ngo' })
    const child = await createActor({ name: 'Child Org', kind: 'ngo', parentId: parent.id })
    const refused = await t.http().delete(`/v1/actors/${parent.id}`).set(t.auth())
    expectMatchesSpec(refused, 'DELETE', `/v1/actors/${parent.id}`)
    expect(refused.status).toBe(409)
    expect(refused.body.referrers).toEqual([{ entity: 'actor', id: child.id }])

    expect((await t.http().delete(`/v1/actors/${child.id}`).set(t.auth())).status).toBe(204)
    const deleted = await t.http().delete(`/v1/actors/${parent.id}`).set(t.auth())
    expect(deleted.status).toBe(204)
    expect((await get(`/v1/actors/${parent.id}`)).status).toBe(404)
    expect((await t.http().delete(`/v1/actors/${parent.id}`).set(t.auth())).status).toBe(404)
    await createActor({ name: 'parent org', kind: 'ngo' })
  })

  it('when actors were merged into it, then deleting it deletes them too, each with its change, and their old ids answer 404, not a 308 to nothing', async () => {
    const survivor = await createActor({ name: 'Survivor Front', kind: 'armed_group' })
    const dup = await createActor({ name: 'Survivor Front (duplicate)', kind: 'armed_group' })
    await t.http().post(`/v1/actors/${dup.id}/merge`).set(t.auth()).send({ into: survivor.id }).expect(200)
    expect((await t.http().get(`/v1/actors/${dup.id}`)).status).toBe(308)
    expect((await t.http().delete(`/v1/actors/${survivor.id}`).set(t.auth())).status).toBe(204)
    expect((await get(`/v1/actors/${dup.id}`)).status).toBe(404)
    const { rows } = await t.app.pool.query<{ entity_id: string, action: string, version: number }>(
      "SELECT entity_id::text, action, version FROM changes WHERE entity_id = ANY($1::uuid[]) AND action = 'deleted' ORDER BY entity_id", [[survivor.id, dup.id]])
    expect(rows.map((r) => r.entity_id).sort()).toEqual([survivor.id, dup.id].sort())
    const { rows: dangling } = await t.app.pool.query(
      'SELECT a.id FROM actors a JOIN actors s ON s.id = a.merged_into_id WHERE a.deleted_at IS NULL AND s.deleted_at IS NOT NULL')
    expect(dangling).toEqual([])
  })

  it('records created, updated and deleted in the change log with the key name', async () => {
    const actor = await createActor({ name: 'Logged Actor', kind: 'other' })
    await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).send({ description: 'x' })
    await t.http().delete(`/v1/actors/${actor.id}`).set(t.auth())
    const changes = await t.app.db.change.findMany({ where: { entityId: actor.id }, orderBy: { seq: 'asc' } })
    expect(changes.map((c) => [c.action, c.version, c.keyName])).toEqual([['created', 1, 'newsroom'], ['updated', 2, 'newsroom'], ['deleted', 3, 'newsroom']])
    expect(changes[1].before).toMatchObject({ description: null })
    expect(changes[1].after).toMatchObject({ description: 'x' })
  })
})
