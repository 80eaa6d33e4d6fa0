import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'

// What a COPY export does to the database when its client goes away or it runs too long.
let t: TestContext
let port: number
const rows = 20_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `check` holds (a deadline, not a timing assertion: the machine may be loaded). */
async function eventually (check: () => Promise<boolean>, what: string, deadlineMs = 20_000) {
  const until = Date.now() + deadlineMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`)
    await sleep(50)
  }
}

const copies = async () => (await t.app.pool.query<{ state: string }>(
  "SELECT state FROM pg_stat_activity WHERE query LIKE 'COPY (%' AND pid <> pg_backend_pid()")).rows

const poolBusy = (app: FastifyInstance) => app.pool.totalCount - app.pool.idleCount

beforeAll(async () => {
  t = await createTestApp()
  // Wide rows, so the export is far larger than the socket buffers between PostgreSQL, the app and the client.
  await t.app.pool.query(`BEGIN; SET LOCAL statement_timeout = 0;
    INSERT INTO incidents (id, type, title, summary, occurred_at, country_codes, tags, updated_at)
    SELECT gen_random_uuid(), 'other', 'Bulk ' || n, repeat('words ', 50), timestamptz '2020-01-01' + n * interval '1 minute', '{YE}', '{bulk}', now()
    FROM generate_series(1, ${rows}) AS n; COMMIT`)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  port = (t.app.server.address() as { port: number }).port
})

describe('COPY exports and the connection pool', () => {
  it('when the client goes away mid-export, then the COPY ends on the server and its connection leaves the pool', async () => {
    const before = t.app.pool.totalCount
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/incidents?tag=bulk&format=ndjson' })
    req.on('error', () => {})
    const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve))
    expect(res.statusCode).toBe(200)
    // Read one chunk, then stop reading: back-pressure holds the COPY where it is.
    await new Promise((resolve) => res.once('data', resolve))
    res.pause()
    await eventually(async () => (await copies()).length === 1, 'a COPY running while the client holds the stream')
    expect(poolBusy(t.app)).toBe(1)

    req.destroy()
    await eventually(async () => (await copies()).length === 0, 'the COPY gone from pg_stat_activity')
    await eventually(async () => poolBusy(t.app) === 0, 'no connection held by the export')
    expect(t.app.pool.totalCount).toBeLessThanOrEqual(before + 1)

    // The pool still serves a whole export.
    const full = await t.app.inject({ url: '/v1/incidents?tag=bulk&format=csv' })
    expect(full.body.trimEnd().split('\n')).toHaveLength(rows + 1)
    // Released once its COMMIT is back, just after the last byte.
    await eventually(async () => poolBusy(t.app) === 0, 'the whole export\'s connection back in the pool')
  })

  it('when an export runs past its timeout, then it is cut off (a 503 before the first byte) and the connection is released', async () => {
    const hasty = await buildApp({ databaseUrl: t.databaseUrl, logger: false, rateLimitPerMinute: 1_000_000, exports: { timeoutMs: 1 } })
    try {
      await hasty.ready()
      const res = await hasty.inject({ url: '/v1/incidents?tag=bulk&format=ndjson&sort=fatalities' }).catch((err: Error) => err)
      if (res instanceof Error) {
        expect(res.message).toMatch(/abort|closed|socket|premature/i)
      } else if (res.statusCode === 503) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      } else {
        // Cut after the first bytes: the client never gets the whole export.
        expect(res.body.trimEnd().split('\n').length).toBeLessThan(rows)
      }
      await eventually(async () => poolBusy(hasty) === 0, 'the cut export\'s connection released')
    } finally {
      await hasty.close()
    }
  })
})
