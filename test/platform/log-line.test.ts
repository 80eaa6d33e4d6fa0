import { beforeAll, describe, expect, it } from 'vitest'
import { loggerOptions } from '../../src/app.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'

// The production log settings (src/app.ts) on a stream the test reads: one line per request, and
// never a request's credentials, which is why the log needs no redaction.
const lines: string[] = []
let t: TestContext
beforeAll(async () => {
  t = await createTestApp({ logger: loggerOptions('info', { write: (line: string) => { lines.push(line) } }) })
})

const logged = () => lines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.msg === 'request completed' || l.msg === 'request errored')

describe('the log line', () => {
  it('when a request carries an API key and a cookie, then its one line names method, URL and status, and neither credential', async () => {
    lines.length = 0
    const key = t.keys.read
    const ok = await t.http().get('/v1/actors?limit=1').set({ authorization: `Bearer ${key}`, cookie: 'session=cookie-secret-value' })
    expect(ok.status).toBe(200)
    const bad = await t.http().get('/v1/actors?limit=1').set({ authorization: 'Bearer sk_not-a-real-key-secret', cookie: 'session=cookie-secret-value' })
    expect(bad.status).toBe(401)
    const [first, second] = logged()
    expect(logged()).toHaveLength(2)
    expect(first).toMatchObject({ level: 30, req: { method: 'GET', url: '/v1/actors?limit=1' }, res: { statusCode: 200 } })
    expect(first.responseTime).toBeTypeOf('number')
    expect(second).toMatchObject({ res: { statusCode: 401 } })
    const text = lines.join('\n')
    for (const secret of [key, 'sk_not-a-real-key-secret', 'cookie-secret-value', 'authorization', 'cookie']) expect(text).not.toContain(secret)
  })
})
