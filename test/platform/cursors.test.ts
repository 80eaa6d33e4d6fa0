import { createHmac } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeCursor } from '../../src/http/cursor.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { startServerProcess } from '../helpers/server-process.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor } from '../factories/index.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
  for (const name of ['Cursor one', 'Cursor two', 'Cursor three']) await createActor(t, { name })
})

const firstCursor = async (base: string) => {
  const res = await fetch(`${base}/v1/actors?limit=1&sort=name`)
  expect(res.status).toBe(200)
  return (await res.json() as { page: { nextCursor: string } }).page.nextCursor
}
const secondPage = (base: string, cursor: string) => fetch(`${base}/v1/actors?limit=1&sort=name&cursor=${cursor}`)

describe('cursor values', () => {
  it('when a correctly signed cursor carries year 0, then 400 on cursor, not 500', async () => {
    for (const at of ['0000-01-01T00:00:00.000Z', '0000-12-31T23:59:59.999Z']) {
      const url = `/v1/incidents?cursor=${encodeCursor('-occurredAt', at, '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a50')}`
      const res = await t.http().get(url)
      expectMatchesSpec(res, 'GET', url)
      expect(res.status, res.text).toBe(400)
      expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'cursor', message: 'malformed or tampered cursor' })
    }
  })
})

describe('the cursor signing key', () => {
  it('when a cursor is signed with the key that used to be in the source, then 400', async () => {
    const payload = Buffer.from(JSON.stringify(['name', 'Cursor one', '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a50'])).toString('base64url')
    const mac = createHmac('sha256', 'sitrep-keyset-cursor-v1').update(payload).digest('base64url').slice(0, 22)
    const res = await t.http().get(`/v1/actors?sort=name&cursor=${payload}.${mac}`)
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path: 'cursor' })
  })

  it('when no CURSOR_SECRET is set, then every process on the database signs with the key stored there on first start', async () => {
    const [a, b] = await Promise.all([startServerProcess(t.databaseUrl), startServerProcess(t.databaseUrl)])
    const { rows } = await t.app.pool.query("SELECT value FROM settings WHERE name = 'cursor_key'")
    expect(rows).toHaveLength(1)
    expect(rows[0].value.length).toBeGreaterThanOrEqual(43)
    const fromA = await firstCursor(a.base)
    const onB = await secondPage(b.base, fromA)
    expect(onB.status).toBe(200)
    expect((await onB.json() as { data: Array<{ name: string }> }).data[0].name).toBe('Cursor three')
    // This test process's app shares it too.
    expect((await t.http().get(`/v1/actors?limit=1&sort=name&cursor=${await firstCursor(b.base)}`)).status).toBe(200)
  }, 60_000)

  it('when CURSOR_SECRET is set, then that key signs, and a cursor signed with another key is a 400', async () => {
    const configured = await startServerProcess(t.databaseUrl, { CURSOR_SECRET: 'x'.repeat(40) })
    const stored = await startServerProcess(t.databaseUrl)
    const own = await firstCursor(configured.base)
    expect((await secondPage(configured.base, own)).status).toBe(200)
    const refused = await secondPage(stored.base, own)
    expect(refused.status).toBe(400)
    expect((await refused.json() as { errors: unknown[] }).errors[0]).toMatchObject({ in: 'query', path: 'cursor', message: 'malformed or tampered cursor' })
    expect((await secondPage(configured.base, await firstCursor(stored.base))).status).toBe(400)
  }, 60_000)
})
