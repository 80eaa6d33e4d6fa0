import { beforeAll, describe, expect, it } from 'vitest'
import type { Response } from 'supertest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'
import { check, type SeenWrite } from './checker.ts'
import type { Entity } from '../../src/modules/changes/repository.ts'

// Issue 12 item 7: many clients at once against the real app and database, then every invariant
// checked from the database. `npm test` runs one small round; `npm run test:concurrency` runs
// CONCURRENCY_ROUNDS of them (and CONCURRENCY_CLIENTS editors per record kind).
const rounds = Number(process.env.CONCURRENCY_ROUNDS ?? 1)
const clients = Number(process.env.CONCURRENCY_CLIENTS ?? 6)
const edits = 3

let t: TestContext
const seen: SeenWrite[] = []
const statuses: number[] = []

beforeAll(async () => {
  // Load shedding off: on a busy machine it would answer 503 before the writes meet (test/platform covers it).
  t = await createTestApp({ pressure: { maxEventLoopDelayMs: 0 } })
})

/** Sends one write, keeps its status, and remembers it when it succeeded. */
async function write (req: PromiseLike<Response>, ok?: (res: Response) => SeenWrite[]) {
  const res = await req
  statuses.push(res.status)
  if (res.status < 300 && ok) seen.push(...ok(res))
  return res
}

const post = (path: string, body: object) => t.http().post(path).set(t.auth()).send(body)
const patch = (path: string, body: object, etag: string) =>
  t.http().patch(path).set(t.auth()).set('content-type', 'application/merge-patch+json').set('if-match', etag).send(body)
const created = (entity: Entity) => (res: Response): SeenWrite[] => [{ entity, id: res.body.id, action: 'created', version: 1 }]

/** One editor: read the record, change it from what was read (If-Match), a few times over. */
async function editor (entity: Entity, path: string, change: (n: number) => Record<string, unknown>) {
  for (let n = 0; n < edits; n++) {
    const read = await t.http().get(path)
    if (read.status !== 200) return
    const from = Number(JSON.parse(read.headers.etag))
    const fields = change(n)
    await write(patch(path, fields, read.headers.etag), (res) => [{ entity, id: res.body.id, action: 'updated', version: res.body.version, from, fields }])
  }
}

async function round (r: number) {
  const actors = await Promise.all(Array.from({ length: 4 }, (_, n) => createActor(t, { name: `Round ${r} actor ${n}` })))
  const [duplicate, survivor, doomed] = await Promise.all([0, 1, 2].map((n) => createActor(t, { name: `Round ${r} fate ${n}` })))
  const source = await createSource(t)
  const incidents = await Promise.all(Array.from({ length: 2 }, () => createIncident(t, { actors: [{ actorId: duplicate.id, role: 'perpetrator' }] })))
  const reports = await Promise.all(incidents.map((i, n) => addCasualtyReport(t, i.id, { reportedById: actors[n].id, min: 5 })))
  const statement = (await post('/v1/statements', { speakerId: duplicate.id, kind: 'claim', summary: 'Claimed.', language: 'en', statedAt: '2025-01-02T00:00:00Z', incidentIds: [incidents[0].id] }).expect(201)).body

  const work: Array<Promise<unknown>> = []
  for (let c = 0; c < clients; c++) {
    const i = incidents[c % incidents.length]
    work.push(editor('incident', `/v1/incidents/${i.id}`, (n) => ({ title: `Edited by ${c}, edit ${n}` })))
    work.push(editor('casualtyReport', `/v1/casualties/${reports[c % reports.length].id}`, (n) => ({ min: 10 * c + n, note: `editor ${c}` })))
    work.push(editor('statement', `/v1/statements/${statement.id}`, (n) => ({ summary: `Summary by ${c}, edit ${n}` })))
  }
  // Writes naming the actor being merged and the actor being deleted, racing the merge and the delete.
  for (let n = 0; n < clients; n++) {
    if (n === clients >> 1) {
      work.push(write(post(`/v1/actors/${duplicate.id}/merge`, { into: survivor.id }), (res) => [{ entity: 'actor', id: res.body.id, action: 'updated', version: res.body.version }]))
      work.push(write(t.http().delete(`/v1/actors/${doomed.id}`).set(t.auth()), () => [{ entity: 'actor', id: doomed.id, action: 'deleted' }]))
    }
    const named = n % 2 ? duplicate : doomed
    work.push(write(post('/v1/incidents', { type: 'other', title: `Naming ${n}`, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: named.id, role: 'target' }] }), created('incident')))
    work.push(write(post(`/v1/incidents/${incidents[n % 2].id}/casualties`, { reportedById: named.id, category: n % 4 < 2 ? 'injured' : 'killed', min: n, qualifier: 'exact' }), created('casualtyReport')))
    work.push(write(post('/v1/statements', { speakerId: named.id, kind: n % 3 ? 'claim' : 'denial', summary: `Said ${n}`, language: 'en', statedAt: '2025-01-03T00:00:00Z', incidentIds: [incidents[n % 2].id] }), created('statement')))
  }
  // An import that adds figures and a denial to the incidents being edited (their roll-ups), racing it all.
  const lines = [
    { entity: 'actor', ref: 'reporter', data: { name: `Round ${r} importer`, kind: 'other' } },
    ...incidents.map((i, n) => ({ entity: 'casualtyReport', ref: `report${n}`, data: { incidentId: i.id, reportedById: { ref: 'reporter' }, category: 'killed', min: 3, qualifier: 'at_least', sourceIds: [source.id] } })),
    { entity: 'statement', ref: 'denial', data: { speakerId: actors[3].id, kind: 'denial', summary: 'Denied.', language: 'en', statedAt: '2025-01-04T00:00:00Z', incidentIds: [incidents[1].id] } }
  ]
  work.push(write(t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(lines.map((l) => JSON.stringify(l)).join('\n') + '\n'),
    (res) => lines.map((l) => ({ entity: l.entity as Entity, id: res.body.refs[l.ref], action: 'created' as const, version: 1 }))))
  await Promise.all(work)
}

describe('concurrent editors, merges, deletes and imports', () => {
  it('lose nothing: no 500, every 2xx write logged once from the version it read, the log replays to the data, roll-ups recompute, no live link to a dead actor', async () => {
    for (let r = 0; r < rounds; r++) await round(r)
    const report = await check(t.databaseUrl, t.app.db, seen)
    const count = (test: (s: number) => boolean) => statuses.filter(test).length
    console.log(`concurrency: ${rounds} round(s), ${statuses.length} writes: ${count((s) => s < 300)} 2xx, ` +
      `${count((s) => s === 409 || s === 412)} conflicts (409 ${count((s) => s === 409)}, 412 ${count((s) => s === 412)}), ` +
      `${count((s) => s === 400)} refused (400), ${count((s) => s === 503)} busy (503), ${count((s) => s >= 500 && s !== 503)} errors (5xx), ` +
      `lost writes ${report.lostWrites.length}`)
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([])
    expect(report).toEqual({ lostWrites: [], brokenHistories: [], replayMismatches: [], rollUpMismatches: [], deadReferences: [], parentCycles: [] })
  }, 60_000 * rounds)
})
