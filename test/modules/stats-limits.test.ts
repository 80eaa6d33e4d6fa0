import { beforeAll, describe, expect, it } from 'vitest'
import { changeLogCache } from '../../src/modules/stats/cache.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createIncident } from '../factories/index.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp({ stats: { maxRows: 3 } })
  for (const type of ['airstrike', 'shelling', 'protest', 'raid']) await createIncident(t, { type })
})

describe('GET /v1/stats/incidents: the row cap', () => {
  it('when the result would have more rows than the cap, then 400 naming the cap; exactly the cap is served', async () => {
    const url = '/v1/stats/incidents?groupBy=type'
    const res = await t.http().get(url)
    expectMatchesSpec(res, 'GET', url)
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([{ in: 'query', path: 'groupBy', message: expect.stringMatching(/^the result has more than 3 rows, the cap: narrow the filters/) }])
    const fits = await t.http().get('/v1/stats/incidents?groupBy=type&type=airstrike,shelling,protest')
    expect(fits.status).toBe(200)
    expect(fits.body.data).toHaveLength(3)
    expect((await t.http().get('/v1/stats/incidents?groupBy=type&format=csv')).status).toBe(400)
  })

  it('when the spec describes the operation, then it states the cap', async () => {
    const served = (await t.http().get('/openapi.json')).body
    expect(served.paths['/v1/stats/incidents'].get.description).toContain('At most 3 rows: a query whose result would have more is a 400 naming the cap')
  })
})

describe('the stats cache', () => {
  const rowsOf = (n: number) => Array.from({ length: n }, () => 'x'.repeat(98)) // 100 bytes each as JSON, plus a comma

  it('when results add up past its byte budget, then the least recently used go first, whatever their number', async () => {
    const computed: string[] = []
    const cache = changeLogCache(t.app.pool, async (q: { key: string, n: number }) => {
      computed.push(q.key)
      return rowsOf(q.n)
    }, 20_000)
    const get = (key: string, n: number) => cache.get(key, { key, n })
    await get('a', 40) // ~4 kB
    await get('b', 40)
    await get('c', 40)
    await get('a', 40) // a is now the most recently used
    await get('d', 40)
    await new Promise((resolve) => setImmediate(resolve))
    expect(cache.usage().bytes).toBeLessThanOrEqual(20_000)
    await get('e', 40) // past 20 kB: b, the least recently used, goes
    await new Promise((resolve) => setImmediate(resolve))
    expect(cache.usage()).toMatchObject({ entries: 4 })
    expect(cache.usage().bytes).toBeLessThanOrEqual(20_000)
    await get('a', 40)
    await get('b', 40)
    expect(computed).toEqual(['a', 'b', 'c', 'd', 'e', 'b'])
  })

  it('when one result is larger than a quarter of the budget, then it is served but not kept', async () => {
    let runs = 0
    const cache = changeLogCache(t.app.pool, async () => { runs++; return rowsOf(100) }, 20_000)
    expect(await cache.get('big', {})).toHaveLength(100)
    await new Promise((resolve) => setImmediate(resolve))
    expect(cache.usage()).toEqual({ entries: 0, bytes: 0 })
    await cache.get('big', {})
    expect(runs).toBe(2)
  })
})
