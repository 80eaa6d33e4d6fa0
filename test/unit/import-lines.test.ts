import { describe, expect, it } from 'vitest'
import { orderLines, parseLines, type Line } from '../../src/modules/imports/lines.ts'

const ndjson = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')

const actor = (ref: string, extra: Record<string, unknown> = {}) => ({ entity: 'actor', ref, data: { name: `Actor ${ref}`, kind: 'armed_group', ...extra } })
const source = (ref: string) => ({ entity: 'source', ref, data: { url: `https://news.example/${ref}`, title: 'T', publisher: 'P', kind: 'news_article', language: 'en' } })
const incident = (ref: string, extra: Record<string, unknown> = {}) => ({
  entity: 'incident', ref, data: { type: 'airstrike', title: `Incident ${ref}`, occurredAt: '2026-01-02T03:04:05Z', countryCodes: ['SY'], ...extra }
})
const report = (data: Record<string, unknown>) => ({ entity: 'casualtyReport', data: { category: 'killed', qualifier: 'exact', min: 3, ...data } })

describe('parseLines', () => {
  it('numbers lines from 1 counting blank ones, resolves refs to the ids it gives and records dependencies', () => {
    const { lines, errors } = parseLines(ndjson(actor('a'), '', '   ', source('s'), incident('i', { actors: [{ actorId: { ref: 'a' }, role: 'perpetrator' }], sourceIds: [{ ref: 's' }] })) + '\n')
    expect(errors).toEqual([])
    expect(lines.map((l) => [l.n, l.entity, l.ref])).toEqual([[1, 'actor', 'a'], [4, 'source', 's'], [5, 'incident', 'i']])
    const [a, s, i] = lines
    expect(new Set([a.id, s.id, i.id]).size).toBe(3)
    expect(i.data.actors).toEqual([{ actorId: a.id, role: 'perpetrator', attribution: 'confirmed', assertedById: null, statementIds: [] }])
    expect(i.data.sourceIds).toEqual([s.id])
    expect([...i.deps].sort()).toEqual([1, 4])
    expect(a.deps.size).toBe(0)
  })

  it('fills in the create schema defaults', () => {
    const { lines } = parseLines(ndjson(actor('a')))
    expect(lines[0].data).toMatchObject({ aliases: [], countryCode: null, parentId: null, externalIds: {} })
  })

  it('keeps an id given as an id, without a dependency', () => {
    const parent = '0190f3a4-7b2c-7d3e-8f40-123456789abc'
    const { lines, errors } = parseLines(ndjson(actor('a', { parentId: parent })))
    expect(errors).toEqual([])
    expect(lines[0].data.parentId).toBe(parent)
    expect(lines[0].deps.size).toBe(0)
  })

  it('collects an error per bad line with its number and path, and goes on', () => {
    const { lines, errors } = parseLines(ndjson(
      '{"entity":',
      { entity: 'place', data: {} },
      actor('a'),
      actor('a'),
      { entity: 'actor', data: { name: 'X', kind: 'armed_group', colour: 'red' } },
      { entity: 'actor', data: { name: 'Y' } },
      { entity: 'actor', data: { name: 'Z', kind: 'armed_group', parentId: { ref: 'nobody' } } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'a' }, category: 'killed', qualifier: 'exact', min: 1 } },
      report({ incidentId: '0190f3a4-7b2c-7d3e-8f40-123456789abc', qualifier: 'range', min: 5, max: 4 })
    ))
    expect(lines.map((l) => l.n)).toEqual([3, 5, 6, 7, 8, 9])
    expect(errors).toEqual([
      { in: 'body', line: 1, path: '', message: 'not valid JSON' },
      { in: 'body', line: 2, path: 'entity', message: expect.any(String) },
      { in: 'body', line: 4, path: 'ref', message: 'ref "a" is already used by line 3' },
      { in: 'body', line: 5, path: 'data.colour', message: 'unknown field' },
      { in: 'body', line: 6, path: 'data.kind', message: expect.any(String) },
      { in: 'body', line: 7, path: 'data.parentId', message: 'no line has ref "nobody"' },
      { in: 'body', line: 8, path: 'data.incidentId', message: 'ref "a" is a actor, not a incident' },
      { in: 'body', line: 9, path: 'data.max', message: 'max must be ≥ min' }
    ])
  })

  it('points at the array item that holds a bad ref', () => {
    const { errors } = parseLines(ndjson(source('s'), incident('i', { sourceIds: [{ ref: 's' }, { ref: 'gone' }] })))
    expect(errors).toEqual([{ in: 'body', line: 2, path: 'data.sourceIds.1', message: 'no line has ref "gone"' }])
  })

  it('refuses text PostgreSQL cannot store', () => {
    const { errors } = parseLines(ndjson(actor('a', { name: 'nul\u0000' })))
    expect(errors).toEqual([{ in: 'body', line: 1, path: expect.stringContaining('name'), message: expect.any(String) }])
  })

  it('reports a body without lines', () => {
    expect(parseLines('').errors).toEqual([{ in: 'body', line: 1, path: '', message: 'the body has no lines' }])
    expect(parseLines('\n \n').errors).toEqual([{ in: 'body', line: 1, path: '', message: 'the body has no lines' }])
  })
})

function ordered (text: string) {
  const { lines, errors } = parseLines(text)
  expect(errors).toEqual([])
  const cycles: Array<[number, string]> = []
  const out = orderLines(lines, (n, message) => cycles.push([n, message]))
  return { order: out.map((l: Line) => l.n), cycles }
}

describe('orderLines', () => {
  it('puts what a line refers to before it, whatever the file order', () => {
    const { order, cycles } = ordered(ndjson(
      report({ incidentId: { ref: 'i' }, reportedById: { ref: 'a' } }),
      incident('i', { actors: [{ actorId: { ref: 'child' }, role: 'target' }] }),
      actor('child', { parentId: { ref: 'a' } }),
      actor('a')
    ))
    expect(cycles).toEqual([])
    expect(order).toEqual([4, 3, 2, 1])
  })

  it('among lines that are ready, takes entity order (actor, source, incident, report, statement), then file order', () => {
    const { order } = ordered(ndjson(incident('i2'), source('s1'), actor('a2'), incident('i1'), actor('a1'), source('s2')))
    expect(order).toEqual([3, 5, 2, 6, 1, 4])
  })

  it('reports every line in a cycle and leaves it out, keeping the rest', () => {
    const { order, cycles } = ordered(ndjson(
      actor('x', { parentId: { ref: 'y' } }),
      actor('y', { parentId: { ref: 'x' } }),
      actor('free'),
      actor('below', { parentId: { ref: 'x' } })
    ))
    expect(order).toEqual([3])
    expect(cycles).toEqual([[1, 'its refs form a cycle'], [2, 'its refs form a cycle'], [4, 'its refs form a cycle']])
  })

  it('orders a long chain given backwards', () => {
    const n = 2000
    const chain = Array.from({ length: n }, (_, i) => actor(`a${i}`, i === 0 ? {} : { parentId: { ref: `a${i - 1}` } })).reverse()
    const { order } = ordered(ndjson(...chain))
    expect(order).toEqual(Array.from({ length: n }, (_, i) => n - i))
  })
})
