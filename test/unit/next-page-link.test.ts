import { describe, expect, it } from 'vitest'
import { nextPageTarget } from '../../src/http/list.ts'

// What sendPage wrote before it appended the cursor itself: WHATWG URL and URLSearchParams.
const viaUrl = (target: string, cursor: string) => {
  const url = new URL(target, 'http://local')
  url.searchParams.set('cursor', cursor)
  return `${url.pathname}${url.search}`
}

const cursor = 'WyItb2NjdXJyZWRBdCIsIjIwMjYtMDctMjZUMTY6MzI6MTIuMDQzWiIsIjAxOWY5ZmYwLTY4OTgtNzUxZS1hMTQzLWJkMDY4YzMwZjAyNSJd.6Ywdp9ZwlHOQxr4wiSTfEp'

describe('the next page\'s Link target', () => {
  it('is the request target with cursor set, as URL and URLSearchParams write it, for plain and odd targets alike', () => {
    const targets = [
      '/v1/incidents', '/v1/incidents/', '/v1/incidents?', '/v1/incidents?limit=50', '/v1/incidents?type=airstrike&country=UA&from=2026-07-03&limit=50',
      '/v1/incidents?sort=-occurredAt&limit=2&cursor=abc.def', '/v1/incidents?cursor=abc&limit=2', '/v1/incidents?limit=2&cursor=a&cursor=b',
      '/v1/incidents?bbox=37.3,47.7,38.3,48.3&limit=50', '/v1/incidents?q=shelling%20kharkiv', '/v1/incidents?q=a+b', '/v1/incidents?flag',
      '/v1/incidents?a=b=c', '/v1/incidents?&limit=5&', '/v1/incidents?from=2026-07-03T00:00:00Z', '/v1/actors/0190c2a0-0000-7000-8000-000000000000/incidents?limit=5',
      '/v1/./incidents?limit=5', '/v1/../v1/incidents?limit=5', '/v1//incidents?limit=5', '/v1/incid%65nts?limit=5', '/v1/incidents?x=%7E&y=~', '/v1/incidents?mycursor=1',
      '/v1/incidents?limit=5#frag', '/v1/inc idents?limit=5', '/v1/incidents?limit=5&include=actors,sources'
    ]
    for (const target of targets) {
      for (const c of [cursor, 'a.b', 'needs encoding/+=']) expect(nextPageTarget(target, c), `${target} ${c}`).toBe(viaUrl(target, c))
    }
  })
})
