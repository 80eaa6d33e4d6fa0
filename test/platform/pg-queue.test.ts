import { readFile } from 'node:fs/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

// pg 8 warns "Calling client.query() when the client is already executing a query is deprecated and
// will be removed in pg@9.0" when a second query is sent on a client before the first answered
// (Promise.all on one transaction's client); in pg 9 that is an error. The warning is printed once
// per process, so this watches every query on every client instead: a query sent while the
// client's queue is not empty is recorded with the statement that was waiting.
const queued: string[] = []
const original = pg.Client.prototype.query
beforeAll(() => {
  pg.Client.prototype.query = function (this: pg.Client & { _queryQueue: unknown[], pipeline?: boolean }, ...args: unknown[]) {
    if (this._queryQueue.length > 0 && !this.pipeline) {
      const config = args[0] as string | { text?: string }
      queued.push((typeof config === 'string' ? config : config?.text ?? '').slice(0, 200))
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof pg.Client.prototype.query
})
afterAll(() => { pg.Client.prototype.query = original })

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

describe('one query at a time on each database client', () => {
  it('when every kind of write runs, several at once, then no client is sent a query while it runs another', async () => {
    const story = await readFile(new URL('../../data/demo/story.ndjson', import.meta.url), 'utf8')
    await t.http().post('/v1/import').set(t.auth('admin')).set('content-type', 'application/x-ndjson').send(story).expect(200)
    const source = await createSource(t)
    const actors = await Promise.all(Array.from({ length: 6 }, (_, i) => createActor(t, { name: `Queue probe ${i}` })))
    const incident = await createIncident(t, { actors: [{ actorId: actors[0].id, role: 'perpetrator' }], sourceIds: [source.id] })
    await Promise.all([
      addCasualtyReport(t, incident.id, { category: 'killed', min: 3, qualifier: 'at_least', reportedById: actors[1].id }),
      t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).send({ title: 'Patched' }),
      t.http().post(`/v1/actors/${actors[2].id}/merge`).set(t.auth()).send({ into: actors[3].id }),
      t.http().post(`/v1/actors/${actors[4].id}/merge`).set(t.auth()).send({ into: actors[5].id }),
      t.http().post('/v1/statements').set(t.auth()).send({ speakerId: actors[1].id, kind: 'claim', summary: 'Said so', language: 'en', statedAt: '2025-10-10T00:00:00Z', incidentIds: [incident.id] }),
      t.http().post('/v1/actors').set(t.auth()).set('idempotency-key', 'queue-probe').send({ name: 'Idempotent probe', kind: 'other' }),
      t.http().patch(`/v1/sources/${source.id}`).set(t.auth()).send({ title: 'Patched source' }),
      t.http().post('/v1/keys').set(t.auth('admin')).send({ name: 'probe', scopes: ['read'] })
    ])
    const statement = await t.http().post('/v1/statements').set(t.auth())
      .send({ speakerId: actors[0].id, kind: 'denial', summary: 'Denied', language: 'en', statedAt: '2025-10-11T00:00:00Z', aboutActorIds: [actors[1].id], sourceIds: [source.id] }).expect(201)
    await t.http().patch(`/v1/statements/${statement.body.id}`).set(t.auth()).send({ summary: 'Denied again' }).expect(200)
    await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).send({ summary: 'Patched again' }).expect(200)
    await t.http().delete(`/v1/statements/${statement.body.id}`).set(t.auth()).expect(204)
    await t.http().get(`/v1/incidents/${incident.id}?include=actors,casualties,statements,sources`).expect(200)
    await t.http().get('/v1/incidents?include=actors,casualties,statements,sources&includeTotal=true').expect(200)
    await t.http().get('/v1/statements?include=speaker,incidents,aboutActors,respondsTo,sources&includeTotal=true').expect(200)
    await t.http().get(`/v1/incidents/${incident.id}/accounts`).expect(200)
    await t.http().delete(`/v1/incidents/${incident.id}`).set(t.auth()).expect(204)
    expect(queued).toEqual([])
  })
})
