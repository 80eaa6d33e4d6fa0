import { describe, expect, it } from 'vitest'
import {
  isCheckViolation, isDatabaseBusy, isDatabaseUnavailable, isForeignKeyViolation, isStatementTimeout, isTransientConflict, isUniqueViolation
} from '../../src/db/errors.ts'
import { referenceErrors, type LiveLookup } from '../../src/db/references.ts'
import { referenceProblem } from '../../src/http/references.ts'

// How each layer wraps a PostgreSQL error: pg's own, Prisma's driver adapter (originalCode, or only a
// kind for socket errors) and Prisma's client (a P-code, the adapter's error under meta or as cause).
const pg = (code: string) => Object.assign(new Error('pg'), { code })
const adapter = (originalCode: string) => Object.assign(new Error('adapter'), { meta: { driverAdapterError: { cause: { originalCode } } } })
const wrapped = (cause: unknown, depth: number): unknown => depth === 0 ? cause : wrapped(new Error('outer', { cause }), depth - 1)

describe('database error classification', () => {
  it('finds a SQLSTATE or Prisma code wherever the chain carries it', () => {
    expect(isUniqueViolation(pg('23505'))).toBe(true)
    expect(isUniqueViolation(Object.assign(new Error('prisma'), { code: 'P2002' }))).toBe(true)
    expect(isUniqueViolation(wrapped(adapter('23505'), 3))).toBe(true)
    expect(isForeignKeyViolation(wrapped(pg('23503'), 2))).toBe(true)
    expect(isCheckViolation(adapter('23514'))).toBe(true)
    expect(isTransientConflict(pg('40P01'))).toBe(true)
    expect(isTransientConflict(wrapped(pg('40001'), 1))).toBe(true)
    expect(isStatementTimeout(adapter('57014'))).toBe(true)
  })

  it('tells one kind from another and stops at six levels of causes', () => {
    expect(isUniqueViolation(pg('23503'))).toBe(false)
    expect(isTransientConflict(pg('23505'))).toBe(false)
    expect(isStatementTimeout(pg('40001'))).toBe(false)
    expect(isUniqueViolation(wrapped(pg('23505'), 5))).toBe(true)
    expect(isUniqueViolation(wrapped(pg('23505'), 6))).toBe(false)
    expect(isUniqueViolation(new Error('plain'))).toBe(false)
    expect(isUniqueViolation(undefined)).toBe(false)
  })

  it('knows the database is unreachable by code, adapter kind or message', () => {
    expect(isDatabaseUnavailable(wrapped(pg('ECONNREFUSED'), 2))).toBe(true)
    expect(isDatabaseUnavailable(pg('08006'))).toBe(true)
    expect(isDatabaseUnavailable(pg('57P01'))).toBe(true)
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } }))).toBe(true)
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(isDatabaseUnavailable(pg('23505'))).toBe(false)
    expect(isDatabaseUnavailable(new Error('syntax error'))).toBe(false)
  })

  it('knows a transaction that could not start in time from other P2028 errors', () => {
    const p2028 = (message: string) => Object.assign(new Error(message), { code: 'P2028' })
    expect(isDatabaseBusy(wrapped(p2028('Transaction API error: Unable to start a transaction in the given time.'), 1))).toBe(true)
    expect(isDatabaseBusy(p2028('Transaction already closed'))).toBe(false)
    expect(isDatabaseBusy(pg('P1001'))).toBe(false)
  })
})

describe('reference check', () => {
  const actor = '0190f3a4-7b2c-7d3e-8f40-000000000001'
  const survivor = '0190f3a4-7b2c-7d3e-8f40-000000000002'
  const source = '0190f3a4-7b2c-7d3e-8f40-000000000003'
  const live: LiveLookup = (kind, id) => (kind === 'actor' && id === actor ? survivor : kind === 'actor' && id === survivor ? null : undefined)

  it('lists each reference that names no live record, kind by kind, and a merged actor with its survivor', () => {
    const broken = referenceErrors([
      { kind: 'source', id: source, path: 'sourceIds.0' },
      { kind: 'actor', id: actor, path: 'actors.0.actorId' },
      { kind: 'actor', id: survivor, path: 'actors.1.actorId' }
    ], live)
    expect(broken).toEqual([
      { path: 'actors.0.actorId', message: `actor ${actor} was merged into ${survivor}; use that id` },
      { path: 'sourceIds.0', message: `source ${source} does not exist` }
    ])
  })

  it('answers them as one 400 naming each field in the body', () => {
    const problem = referenceProblem([{ path: 'sourceIds.0', message: `source ${source} does not exist` }])
    expect(problem.status).toBe(400)
    expect(problem.extra.errors).toEqual([{ in: 'body', path: 'sourceIds.0', message: `source ${source} does not exist` }])
  })
})
