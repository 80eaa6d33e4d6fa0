import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { Prisma } from '../../src/generated/prisma/client.ts'
import { inlineSql } from '../../src/db/copy.ts'
import { featureCollection } from '../../src/http/formats.ts'

describe('inlineSql', () => {
  it('when a query has values, then each is written as a SQL literal in its place', () => {
    const sql = Prisma.sql`SELECT 1 FROM t WHERE a = ${"it's"} AND b = ANY(${['x', 'q"u\\o', "o'k"]}::text[]) AND c > ${-5} AND d = ${true} AND e IS ${null}
      AND f >= ${new Date('2025-10-09T21:30:00Z')} AND g = ${0.25} AND h = ${'back\\slash'}`
    expect(inlineSql(sql)).toBe(`SELECT 1 FROM t WHERE a = 'it''s' AND b = ANY( E'{"x","q\\\\"u\\\\\\\\o","o''k"}'::text[]) AND c > (-5) AND d = true AND e IS NULL
      AND f >= '2025-10-09T21:30:00.000Z' AND g = (0.25) AND h =  E'back\\\\slash'`)
  })

  it('when a value is not a finite number or a known type, then it refuses to write it', () => {
    expect(() => inlineSql(Prisma.sql`SELECT ${Number.NaN}`)).toThrow()
    expect(() => inlineSql(Prisma.sql`SELECT ${{ a: 1 } as unknown as string}`)).toThrow()
  })
})

const collect = async (chunks: string[]) => {
  let out = ''
  for await (const b of featureCollection(Readable.from(chunks.map((c) => Buffer.from(c))))) out += b.toString()
  return out
}

describe('featureCollection', () => {
  const start = '{"type":"FeatureCollection","features":['

  it('when the features arrive in chunks cut anywhere, then they are framed as the JS path frames them', async () => {
    const text = '{"a":1}\n{"b":"ü"}\n{"c":3}\n'
    const expected = `${start}\n{"a":1},\n{"b":"ü"},\n{"c":3}\n]}\n`
    const bytes = Buffer.from(text)
    for (let cut = 1; cut < bytes.length; cut++) {
      for (let second = cut + 1; second <= bytes.length; second++) {
        const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)].filter((b) => b.length > 0)
        let out = ''
        for await (const b of featureCollection(Readable.from(chunks))) out += b.toString('latin1')
        expect(Buffer.from(out, 'latin1').toString()).toBe(expected)
      }
    }
  })

  it('when there are no features, then an empty collection', async () => {
    expect(await collect([])).toBe(`${start}\n]}\n`)
  })
})
