import { describe, expect, it } from 'vitest'
import { ByteLru, cacheKey, keyHash, noneMatch, positionReader, positionTag, preferredEncoding, stableJson, varyWith } from '../../src/http/cache.ts'

describe('positionReader', () => {
  it('when a caller arrives while a read runs, then it waits for the next read, which starts after it', async () => {
    const reads: Array<{ resolve: (p: string) => void }> = []
    const read = positionReader(() => new Promise<string>((resolve) => { reads.push({ resolve }) }))
    const first = read()
    expect(reads).toHaveLength(1)
    const second = read()
    const third = read()
    expect(reads).toHaveLength(1) // no second read while the first runs
    reads[0].resolve('7')
    expect(await first).toBe('7')
    await Promise.resolve()
    expect(reads).toHaveLength(2) // one read for both waiters, started after the first ended
    reads[1].resolve('8')
    expect([await second, await third]).toEqual(['8', '8'])
  })

  it('passes a failed read to its waiters and reads again for the next caller', async () => {
    let n = 0
    const read = positionReader(async () => { if (n++ === 0) throw new Error('down'); return '3' })
    await expect(read()).rejects.toThrow('down')
    expect(await read()).toBe('3')
  })
})

describe('ByteLru', () => {
  it('when the bytes are spent, then the least recently used entries go first', () => {
    const lru = new ByteLru<string>(100)
    lru.set('a', 'A', 20)
    lru.set('b', 'B', 20)
    lru.set('c', 'C', 20)
    expect(lru.get('a')).toBe('A') // a is now the most recent
    lru.set('d', 'D', 25)
    lru.set('e', 'E', 25)
    expect(lru.get('b')).toBeUndefined()
    expect(lru.get('a')).toBe('A')
    expect(lru.usage()).toEqual({ entries: 4, bytes: 90 })
  })

  it('refuses an entry over a quarter of the budget, and replacing a key frees its old bytes', () => {
    const lru = new ByteLru<string>(100)
    expect(lru.set('big', 'x', 26)).toBe(false)
    lru.set('k', 'one', 20)
    lru.set('k', 'two', 10)
    expect(lru.usage()).toEqual({ entries: 1, bytes: 10 })
    expect(lru.get('k')).toBe('two')
  })
})

describe('keys and tags', () => {
  const parts = { route: '/v1/incidents', params: {}, format: 'json', audience: '' }

  it('names a query by its values whatever the order of its keys; arrays keep their order', () => {
    expect(stableJson({ b: 1, a: { d: [2, 1], c: new Date('2025-01-01T00:00:00Z') } })).toBe('{"a":{"c":"2025-01-01T00:00:00.000Z","d":[2,1]},"b":1}')
    expect(cacheKey({ ...parts, query: { limit: 50, sort: '-occurredAt' } })).toBe(cacheKey({ ...parts, query: { sort: '-occurredAt', limit: 50 } }))
  })

  it('gives each position, format and audience its own weak tag', () => {
    const key = cacheKey({ ...parts, query: {} })
    const tags = new Set([
      positionTag('7', keyHash(key)), positionTag('8', keyHash(key)),
      positionTag('7', keyHash(cacheKey({ ...parts, query: {}, format: 'csv' }))),
      positionTag('7', keyHash(cacheKey({ ...parts, query: {}, audience: 'write' })))
    ])
    expect(tags.size).toBe(4)
    expect(positionTag('7', keyHash(key))).toMatch(/^W\/"7-[\w-]{12}"$/)
  })

  it('compares If-None-Match weakly, in a list, and with *', () => {
    expect(noneMatch('"a", W/"7-x"', 'W/"7-x"')).toBe(true)
    expect(noneMatch('"7"', 'W/"7"')).toBe(true)
    expect(noneMatch('*', '"1"')).toBe(true)
    expect(noneMatch('"6"', '"7"')).toBe(false)
    expect(noneMatch(undefined, '"7"')).toBe(false)
    expect(noneMatch('"7"', undefined)).toBe(false)
  })

  it('adds to Vary without repeating what it names', () => {
    expect(varyWith(undefined, ['Accept', 'accept-encoding'])).toBe('Accept, accept-encoding')
    expect(varyWith('Origin, accept', ['Accept', 'Authorization'])).toBe('Origin, accept, Authorization')
  })

  it('picks br, else gzip, as Accept-Encoding allows', () => {
    expect(preferredEncoding('gzip, deflate, br')).toBe('br')
    expect(preferredEncoding('gzip, br;q=0')).toBe('gzip')
    expect(preferredEncoding('*')).toBe('br')
    expect(preferredEncoding('identity')).toBeUndefined()
    expect(preferredEncoding(undefined)).toBeUndefined()
  })
})
