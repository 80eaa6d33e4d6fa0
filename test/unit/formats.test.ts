import type { FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { flatten, negotiate, type Format } from '../../src/http/formats.ts'
import { Problem } from '../../src/http/problems.ts'

// negotiate reads only the Accept header of the request.
const accepting = (accept?: string) => ({ headers: accept === undefined ? {} : { accept } }) as FastifyRequest
const all: Format[] = ['json', 'ndjson', 'csv', 'geojson']

describe('negotiate', () => {
  it('gives JSON without an Accept header or for a wildcard', () => {
    expect(negotiate(accepting(), all)).toBe('json')
    expect(negotiate(accepting('*/*'), all)).toBe('json')
    expect(negotiate(accepting('application/*'), ['json', 'csv'])).toBe('json')
  })

  it('lets format= override the Accept header', () => {
    expect(negotiate(accepting('text/csv'), all, 'ndjson')).toBe('ndjson')
    expect(negotiate(accepting('image/png'), all, 'csv')).toBe('csv')
  })

  it('maps each media type to its format, ignoring case and parameters', () => {
    expect(negotiate(accepting('application/json'), all)).toBe('json')
    expect(negotiate(accepting('application/x-ndjson'), all)).toBe('ndjson')
    expect(negotiate(accepting('Text/CSV; charset=utf-8'), all)).toBe('csv')
    expect(negotiate(accepting('application/geo+json'), all)).toBe('geojson')
    expect(negotiate(accepting('text/*'), all)).toBe('csv')
  })

  it('takes the highest q first, in the order given among equals, and drops q=0 and unreadable q', () => {
    expect(negotiate(accepting('text/csv;q=0.5, application/x-ndjson'), all)).toBe('ndjson')
    expect(negotiate(accepting('application/x-ndjson;q=0.9, text/csv;q=0.9'), all)).toBe('ndjson')
    expect(negotiate(accepting('application/geo+json;q=0, text/csv;q=0.1'), all)).toBe('csv')
    expect(negotiate(accepting('text/csv;q=abc, application/json;q=0.2'), all)).toBe('json')
  })

  it('follows RFC 9110: q=0 on a type refuses it beside a wildcard, and a named type beats a wildcard of equal q', () => {
    expect(negotiate(accepting('application/json;q=0, */*'), all)).toBe('ndjson')
    expect(negotiate(accepting('application/json;q=0, text/*'), all)).toBe('csv')
    expect(() => negotiate(accepting('application/json;q=0, */*'), ['json'])).toThrow(Problem)
    expect(negotiate(accepting('*/*, text/csv'), all)).toBe('csv')
    expect(negotiate(accepting('*/*;q=0.8, text/csv;q=0.5'), all)).toBe('json')
    expect(() => negotiate(accepting('text/*, text/csv;q=0'), all)).toThrow(Problem)
  })

  it('skips types the endpoint does not offer and application/problem+json (errors only)', () => {
    expect(negotiate(accepting('application/geo+json, text/csv'), ['json', 'csv'])).toBe('csv')
    expect(negotiate(accepting('application/problem+json, application/x-ndjson'), all)).toBe('ndjson')
  })

  it('answers 406 naming what the endpoint offers when nothing acceptable is', () => {
    for (const accept of ['image/png', 'application/problem+json', 'text/csv;q=0', 'text/*']) {
      let thrown: unknown
      try { negotiate(accepting(accept), ['json', 'ndjson']) } catch (err) { thrown = err }
      expect(thrown, accept).toBeInstanceOf(Problem)
      expect(thrown, accept).toMatchObject({ type: 'not-acceptable', status: 406, message: 'This endpoint offers application/json, application/x-ndjson' })
    }
    // q=0 means "not this", and a q that is not a number counts as 0.
    for (const accept of ['text/csv;q=0', 'text/csv;q=abc', 'application/json;q=0.0']) {
      expect(() => negotiate(accepting(accept), all), accept).toThrow(/^This endpoint offers application\/json, application\/x-ndjson, text\/csv, application\/geo\+json$/)
    }
  })
})

describe('flatten', () => {
  it('turns nested objects into dotted keys and joins arrays, scalars with ";" and objects as "a:b"', () => {
    expect(flatten({
      id: 'i1',
      fatalities: { low: 1, best: 2, high: null },
      tags: ['a', 'b'],
      actors: [{ actorId: 'x', role: 'perpetrator' }, { actorId: 'y', role: 'target' }],
      location: null,
      contested: false
    })).toEqual({
      id: 'i1',
      'fatalities.low': 1,
      'fatalities.best': 2,
      'fatalities.high': null,
      tags: 'a;b',
      actors: 'x:perpetrator;y:target',
      location: null,
      contested: false
    })
  })

  it('gives an empty string for an empty array and null for undefined', () => {
    expect(flatten({ tags: [], note: undefined })).toEqual({ tags: '', note: null })
  })
})
