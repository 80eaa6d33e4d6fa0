import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import type { Response } from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { spec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

// format=parquet on the incident, statement and casualty exports, read back with hyparquet (a reader
// apart from the writer): typed columns, the CSV's column names, fields= choosing and ordering them.
let t: TestContext
const id: Record<string, string> = {}
const PARQUET = 'application/vnd.apache.parquet'

function binary (res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = []
  res.on('data', (c: Buffer) => chunks.push(c))
  res.on('end', () => done(null, Buffer.concat(chunks)))
}

async function parquet (url: string, accept?: string) {
  const req = t.http().get(url).buffer(true).parse(binary)
  const res = await (accept ? req.set('accept', accept) : req)
  expect(res.status, String(res.body)).toBe(200)
  expect(res.headers['content-type']).toBe(PARQUET)
  expect(res.headers['content-disposition']).toMatch(/\.parquet"$/)
  const bytes = res.body as Buffer
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  const metadata = parquetMetadata(file)
  const rows = await parquetReadObjects({ file })
  return { metadata, rows, columns: metadata.schema.slice(1) }
}

beforeAll(async () => {
  t = await createTestApp()
  const army = await createActor(t, { name: 'Parquet Army', kind: 'military' })
  const source = await createSource(t)
  id.army = army.id
  id.source = source.id
  const strike = await createIncident(t, {
    type: 'shelling',
    title: 'Shelling, typed',
    occurredAt: '2025-10-09T21:30:00.123Z',
    location: { name: 'Spin Boldak', admin1: 'Kandahar', countryCode: 'AF', lat: 31.0059, lon: 66.3996, precision: 'exact' },
    actors: [{ actorId: army.id, role: 'perpetrator' }],
    sourceIds: [source.id],
    tags: ['border', 'artillery']
  })
  id.strike = strike.id
  await addCasualtyReport(t, strike.id, { min: 4, max: 7, qualifier: 'range', reportedById: army.id })
  id.plain = (await createIncident(t, { title: 'No place', occurredAt: '2025-10-01T00:00:00Z' })).id
  const said = await t.http().post('/v1/statements').set(t.auth())
    .send({ speakerId: army.id, kind: 'denial', summary: 'Not us.', language: 'en', statedAt: '2025-10-11T08:00:00Z', incidentIds: [strike.id] })
  expect(said.status).toBe(201)
  id.statement = said.body.id
})

describe('format=parquet', () => {
  it('when incidents are exported, then columns are typed: timestamps, numbers, booleans, strings, arrays as JSON', async () => {
    const { rows, columns } = await parquet('/v1/incidents?format=parquet&sort=-occurredAt')
    const type = (name: string) => columns.find((c) => c.name === name)
    expect(type('occurredAt')).toMatchObject({ type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } })
    expect(type('location.lat')).toMatchObject({ type: 'DOUBLE' })
    expect(type('fatalities.best')).toMatchObject({ type: 'INT32' })
    expect(type('version')).toMatchObject({ type: 'INT32' })
    expect(type('contested')).toMatchObject({ type: 'BOOLEAN' })
    expect(type('title')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' })
    expect(type('actors')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'JSON' })

    expect(rows).toHaveLength(2)
    const [strike, plain] = rows
    expect(strike.id).toBe(id.strike)
    expect(strike.occurredAt).toEqual(new Date('2025-10-09T21:30:00.123Z'))
    expect(strike['location.lat']).toBe(31.0059)
    expect(strike['fatalities.low']).toBe(4)
    expect(strike['fatalities.best']).toBe(5)
    expect(strike['fatalities.high']).toBe(7)
    expect(strike.contested).toBe(true)
    expect(strike.tags).toEqual(['border', 'artillery'])
    expect(strike.actors).toEqual([expect.objectContaining({ actorId: id.army, role: 'perpetrator' })])
    expect(strike['acled.subEventType']).toBe('Shelling/artillery/missile attack')
    expect(plain.id).toBe(id.plain)
    expect(plain['location.lat']).toBeNull()
    expect(plain['fatalities.best']).toBeNull()
    expect(plain.endedAt).toBeNull()
  })

  it('has the CSV export\'s columns, in its order', async () => {
    const csv = await t.http().get('/v1/incidents?format=csv&limit=1')
    const { columns } = await parquet('/v1/incidents?format=parquet')
    expect(columns.map((c) => c.name)).toEqual(csv.text.split('\n')[0].split(','))
  })

  it('when fields= is given, then only those columns, in the order named', async () => {
    const { rows, columns } = await parquet('/v1/incidents?format=parquet&fields=fatalities.best,id,occurredAt&sort=occurredAt')
    expect(columns.map((c) => c.name)).toEqual(['fatalities.best', 'id', 'occurredAt'])
    expect(rows).toEqual([
      { 'fatalities.best': null, id: id.plain, occurredAt: new Date('2025-10-01T00:00:00Z') },
      { 'fatalities.best': 5, id: id.strike, occurredAt: new Date('2025-10-09T21:30:00.123Z') }
    ])
  })

  it('when Accept asks for Parquet, then the export is Parquet', async () => {
    const { rows } = await parquet('/v1/statements', PARQUET)
    expect(rows.map((r) => r.id)).toEqual([id.statement])
  })

  it('when statements and casualty reports are exported, then their columns are typed too', async () => {
    const statements = await parquet('/v1/statements?format=parquet')
    expect(statements.rows[0]).toMatchObject({ id: id.statement, kind: 'denial', statedAt: new Date('2025-10-11T08:00:00Z'), incidentIds: [id.strike] })
    const casualties = await parquet('/v1/casualties?format=parquet&fields=min,max,qualifier,reportedAt')
    expect(casualties.rows).toEqual([{ min: 4, max: 7, qualifier: 'range', reportedAt: null }])
    expect(casualties.columns.find((c) => c.name === 'min')).toMatchObject({ type: 'INT32' })
  })

  it('when asOf names the last position, then the rows and columns are today\'s, fields= too', async () => {
    const changes = await t.http().get('/v1/changes?since=0&limit=1000').expect(200)
    const seq = changes.body.data.at(-1).seq as number
    for (const url of ['/v1/incidents?format=parquet&sort=occurredAt', '/v1/incidents?format=parquet&fields=id,actors,fatalities.best', '/v1/statements?format=parquet']) {
      const now = await parquet(url)
      const past = await parquet(`${url}&asOf=seq:${seq}`)
      expect(past.rows.length, url).toBeGreaterThan(0)
      expect(past.columns, url).toEqual(now.columns)
      expect(past.rows, url).toEqual(now.rows)
    }
    expect((await parquet('/v1/incidents?format=parquet&asOf=seq:0')).rows).toEqual([])
  })

  it('when nothing matches, then a valid file with the columns and no rows', async () => {
    const { rows, columns } = await parquet('/v1/incidents?format=parquet&country=FR')
    expect(rows).toEqual([])
    expect(columns.length).toBeGreaterThan(10)
  })

  it('declares the media type on every list that exports it', () => {
    for (const path of ['/v1/incidents', '/v1/statements', '/v1/casualties', '/v1/actors/{id}/incidents', '/v1/incidents/{id}/statements']) {
      expect(Object.keys(spec.paths[path].get.responses['200'].content), path).toContain(PARQUET)
    }
  })
})
