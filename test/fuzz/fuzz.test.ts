import { readFile } from 'node:fs/promises'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyRepository } from '../../src/modules/keys/repository.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { operations, requestArbitrary, strayKeyArbitrary, type Memory } from './requests.ts'
import { sendAndCheck, tally } from './send.ts'

// Property-based fuzzing of every operation in the committed spec against the real app and a real
// PostgreSQL: every answer is < 500, a problem+json when >= 400, and valid for its documented status.
// FUZZ_REQUESTS raises the budget (`npm run fuzz`); FUZZ_SEED replays a run.
const budget = Number(process.env.FUZZ_REQUESTS ?? 2200)
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined
const runsPerOperation = Math.ceil(budget / operations.length)

let t: TestContext
const started = Date.now()
const ids: Record<string, string[]> = {}
const memory: Memory & { remember: (kind: string, id: string) => void } = {
  ids: (kind) => (kind === 'any' ? Object.values(ids).flat() : ids[kind] ?? []),
  remember: (kind, id) => { (ids[kind] ??= []).push(id) },
  cursors: [],
  etags: [],
  keys: { admin: '', read: '' }
}

beforeAll(async () => {
  t = await createTestApp({ heartbeatMs: 60_000 })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  memory.keys = { admin: t.keys.admin, read: t.keys.read }
  // Real records to point at: the demo story, and keys that may be revoked (never the fuzzer's own).
  const story = await readFile(new URL('../../data/demo/story.ndjson', import.meta.url), 'utf8')
  await t.http().post('/v1/import').set(t.auth('admin')).set('content-type', 'application/x-ndjson').send(story).expect(200)
  for (const [kind, path] of [['actor', '/v1/actors'], ['source', '/v1/sources'], ['incident', '/v1/incidents'], ['statement', '/v1/statements']]) {
    const { body } = await t.http().get(`${path}?limit=500`).expect(200)
    for (const row of body.data) memory.remember(kind, row.id)
  }
  for (const incident of ids.incident) {
    const { body } = await t.http().get(`/v1/incidents/${incident}/casualties`).expect(200)
    for (const row of body.data) memory.remember('casualty', row.id)
  }
  const keys = createKeyRepository(t.app.db)
  for (const name of ['spare-1', 'spare-2', 'spare-3']) memory.remember('key', (await keys.create(name, ['read'])).id)
})

afterAll(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const histogram = [...tally.byStatus.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ')
  console.log(`fuzz: ${tally.requests} requests over ${operations.length} operations in ${seconds} s; by status: ${histogram}`)
})

// Seeds that once found a bug, replayed on the state beforeAll leaves (as the run that found them
// started): seed 1 sent listSources `publisher=\\` (a lone backslash, an invalid ILIKE pattern) at its 285th request.
const foundSeeds = [{ operationId: 'listSources', seed: 1, runs: 300 }]

describe('seeds that once failed', () => {
  for (const { operationId, seed: found, runs } of foundSeeds) {
    it(`${operationId} with FUZZ_SEED=${found}`, async () => {
      const operation = operations.find((o) => o.operationId === operationId)!
      const details = await fc.check(fc.asyncProperty(requestArbitrary(operation, memory), (req) => sendAndCheck(t.app, memory, req)),
        { numRuns: runs, seed: found, endOnFailure: true })
      if (details.failed) throw new Error(String(details.errorInstance))
    }, 60_000)
  }
})

describe('fuzzing every operation of openapi/openapi.json', () => {
  for (const operation of operations) {
    it(`${operation.method} ${operation.template} (${operation.operationId}) never answers 5xx or off-spec`, async () => {
      const details = await fc.check(fc.asyncProperty(requestArbitrary(operation, memory), (req) => sendAndCheck(t.app, memory, req)),
        { numRuns: runsPerOperation, seed, endOnFailure: true })
      // No shrinking: the database changes under every request, so a shrunk case would not replay the
      // failure. The thrown message shows the request, cut short (fast-check's report would print 100 kB values).
      if (details.failed) throw new Error(`${String(details.errorInstance)}\n(replay: FUZZ_SEED=${details.seed})`)
    }, Math.max(20_000, runsPerOperation * 500))
  }

  for (const operation of operations) {
    it(`${operation.method} ${operation.template} (${operation.operationId}) answers an unknown query key with a 400 naming it`, async () => {
      const details = await fc.check(fc.asyncProperty(strayKeyArbitrary(operation, memory), (req) => sendAndCheck(t.app, memory, req)),
        { numRuns: Math.ceil(runsPerOperation / 10), seed, endOnFailure: true })
      if (details.failed) throw new Error(`${String(details.errorInstance)}\n(replay: FUZZ_SEED=${details.seed})`)
    }, Math.max(20_000, runsPerOperation * 100))
  }

  it(`sent at least ${budget} requests`, () => {
    expect(tally.requests).toBeGreaterThanOrEqual(budget)
  })
})
