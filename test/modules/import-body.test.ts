import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})
afterEach(() => { vi.restoreAllMocks() })

const lines = (n: number, prefix: string) => Array.from({ length: n }, (_, i) =>
  JSON.stringify({ entity: 'actor', ref: `a${i}`, data: { name: `${prefix} ${i}`, kind: 'other' } })).join('\n') + '\n'

const send = (body: string, key: string) => t.app.inject({
  method: 'POST',
  url: '/v1/import',
  headers: { ...t.auth(), 'content-type': 'application/x-ndjson', 'idempotency-key': key },
  payload: body
})

describe('POST /v1/import with an Idempotency-Key', () => {
  it('when the import is retried with the same key, then the first answer is replayed; another body under the key is a 409', async () => {
    const body = lines(50, 'Idempotent import')
    const first = await send(body, 'import-once')
    expect(first.statusCode).toBe(200)
    const again = await send(body, 'import-once')
    expect(again.statusCode).toBe(200)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json()).toEqual(first.json())
    expect((await send(`${body}\n`, 'import-once')).statusCode).toBe(409)
    const { rows } = await t.app.pool.query("SELECT count(*)::int AS n FROM actors WHERE name LIKE 'Idempotent import %'")
    expect(rows[0].n).toBe(50)
  })

  it('when the body is hashed for the key, then it is not serialised again to do it (no whole-body copy)', async () => {
    const body = lines(2000, 'Hashed as it arrives')
    const stringify = vi.spyOn(JSON, 'stringify')
    expect((await send(body, 'import-digest')).statusCode).toBe(200)
    const copies = stringify.mock.calls.filter(([value]) => Array.isArray(value) && value.includes(body))
    expect(copies).toEqual([])
  })
})
