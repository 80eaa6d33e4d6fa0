import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createSource } from '../factories/index.ts'

// Where and how a statement was made, the words in the language spoken; sources' author and archived copy.
let t: TestContext
const id: Record<string, string> = {}
const URDU = 'ہمارا صبر ختم ہو چکا ہے'

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}
const post = (body: Record<string, unknown>) =>
  t.http().post('/v1/statements').set(t.auth()).send({ speakerId: id.ispr, kind: 'claim', language: 'en', statedAt: '2025-10-10T12:00:00Z', ...body })
const summaries = async (query: string) => {
  const res = await get(`/v1/statements?${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data.map((s: { summary: string }) => s.summary).sort()
}

beforeAll(async () => {
  t = await createTestApp()
  id.ispr = (await createActor(t, { name: 'Inter-Services Public Relations', kind: 'military', countryCode: 'PK' })).id
  const translated = await post({
    summary: 'The military spokesman said patience had run out.',
    quote: 'Our patience has run out.',
    originalQuote: URDU,
    originalLanguage: 'ur',
    channel: 'press_conference',
    place: 'Rawalpindi'
  })
  expect(translated.status, JSON.stringify(translated.body)).toBe(201)
  id.translated = translated.body.id
  id.plain = (await post({ summary: 'A plain claim about patience.', quote: 'We were patient.' })).body.id
})

describe('statement channel, place and original words', () => {
  it('when created with them, then they are returned as given; without, they are null', async () => {
    expect((await get(`/v1/statements/${id.translated}`)).body).toMatchObject({
      quote: 'Our patience has run out.', originalQuote: URDU, originalLanguage: 'ur', channel: 'press_conference', place: 'Rawalpindi'
    })
    expect((await get(`/v1/statements/${id.plain}`)).body).toMatchObject({ channel: null, place: null, originalQuote: null, originalLanguage: null })
  })

  it('when the original words come without their language, or the reverse, then 400 naming the missing field, on create and on patch', async () => {
    const noLanguage = await post({ summary: 'S', originalQuote: 'Nein.' })
    expectMatchesSpec(noLanguage, 'POST', '/v1/statements')
    expect(noLanguage.status).toBe(400)
    expect(noLanguage.body.errors).toEqual([{ in: 'body', path: 'originalLanguage', message: 'originalQuote needs originalLanguage' }])
    const noWords = await post({ summary: 'S', originalLanguage: 'de' })
    expect(noWords.body.errors).toEqual([{ in: 'body', path: 'originalQuote', message: 'originalLanguage needs originalQuote' }])

    const cleared = await t.http().patch(`/v1/statements/${id.translated}`).set(t.auth()).send({ originalLanguage: null })
    expectMatchesSpec(cleared, 'PATCH', `/v1/statements/${id.translated}`)
    expect(cleared.status).toBe(400)
    expect(cleared.body.errors.map((e: { path: string }) => e.path)).toEqual(['originalLanguage'])
    expect((await get(`/v1/statements/${id.translated}`)).body).toMatchObject({ originalLanguage: 'ur', version: 1 })
  })

  it('when a channel is unknown or a tag is not BCP 47, then 400', async () => {
    expect((await post({ summary: 'S', channel: 'telegram' })).status).toBe(400)
    expect((await post({ summary: 'S', originalQuote: 'x', originalLanguage: 'Urdu' })).status).toBe(400)
  })

  it('when patched, then channel and place change and null clears them', async () => {
    const s = (await post({ summary: 'Patched statement', channel: 'speech', place: 'Kabul' })).body
    const res = await t.http().patch(`/v1/statements/${s.id}`).set(t.auth()).send({ channel: 'broadcast', place: null })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ channel: 'broadcast', place: null, version: 2 })
  })

  it('when searched with q, then words of the original quote match in any script, and English words still match by stem', async () => {
    expect(await summaries(`q=${encodeURIComponent('صبر')}`)).toEqual(['The military spokesman said patience had run out.'])
    expect(await summaries('q=patience')).toEqual(['A plain claim about patience.', 'The military spokesman said patience had run out.'])
    expect(await summaries('q=patience -run')).toEqual(['A plain claim about patience.'])
  })

  it('when listed with channel=, then only statements made through those channels', async () => {
    expect(await summaries('channel=press_conference,interview')).toEqual(['The military spokesman said patience had run out.'])
  })

  it('when exported as CSV, then channel, place and the original words have their columns', async () => {
    const res = await t.http().get('/v1/statements?format=csv&channel=press_conference')
    expect(res.status).toBe(200)
    const [header, row] = res.text.split('\n')
    const cells = Object.fromEntries(header.split(',').map((name, n) => [name, row.split(',')[n]]))
    expect(cells).toMatchObject({ channel: 'press_conference', place: 'Rawalpindi', originalQuote: URDU, originalLanguage: 'ur' })
  })

  it('when imported, then the fields are stored as a single write stores them', async () => {
    const line = { entity: 'statement', data: { speakerId: id.ispr, kind: 'claim', summary: 'Imported with its original', language: 'en', statedAt: '2025-10-11T00:00:00Z', quote: 'Enough.', originalQuote: 'بس', originalLanguage: 'ur', channel: 'social_media', place: 'X (formerly Twitter)' } }
    const res = await t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(`${JSON.stringify(line)}\n`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const [stored] = (await get('/v1/statements?channel=social_media')).body.data
    expect(stored).toMatchObject({ summary: 'Imported with its original', originalQuote: 'بس', originalLanguage: 'ur', place: 'X (formerly Twitter)' })
  })
})

describe('source author and archiveUrl', () => {
  it('when created with them, then they are returned as given; when patched, null clears them', async () => {
    const archive = 'https://web.archive.org/web/20251010000000/https://news.example.com/clashes?utm_source=x'
    const source = await createSource(t, { author: 'A. Reporter', archiveUrl: archive })
    expect(source).toMatchObject({ author: 'A. Reporter', archiveUrl: archive })
    expect((await get(`/v1/sources/${source.id}`)).body).toMatchObject({ author: 'A. Reporter', archiveUrl: archive })
    const res = await t.http().patch(`/v1/sources/${source.id}`).set(t.auth()).send({ author: null, archiveUrl: null })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ author: null, archiveUrl: null })
    expect((await createSource(t)).author).toBeNull()
  })

  it('when the archive URL is not http(s) or the author too long, then 400 naming the field', async () => {
    const bad = await t.http().post('/v1/sources').set(t.auth())
      .send({ url: 'https://news.example.com/x', title: 'T', publisher: 'P', kind: 'report', language: 'en', archiveUrl: 'ftp://archive.example/x', author: 'a'.repeat(201) })
    expectMatchesSpec(bad, 'POST', '/v1/sources')
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['archiveUrl', 'author'])
  })

  it('when imported, then author and archiveUrl are stored', async () => {
    const line = { entity: 'source', data: { url: 'https://news.example.com/imported', title: 'T', publisher: 'P', kind: 'report', language: 'en', author: 'Staff', archiveUrl: 'https://archive.ph/abcde' } }
    const res = await t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(`${JSON.stringify(line)}\n`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const [stored] = (await get('/v1/sources?q=imported')).body.data
    expect(stored).toMatchObject({ author: 'Staff', archiveUrl: 'https://archive.ph/abcde' })
  })
})
