import { describe, expect, it } from 'vitest'
import { cursorFor, decodeCursor, encodeCursor, useCursorKey } from '../../src/http/cursor.ts'
import { sortSpec, type SortFields } from '../../src/db/keyset.ts'
import { Problem } from '../../src/http/problems.ts'

const fields: SortFields = { occurredAt: { kind: 'date' }, name: { kind: 'string' }, min: { kind: 'number' }, endedAt: { kind: 'date', nullable: true } }
const id = '0190f3a4-7b2c-7d3e-8f40-123456789abc'

/** The problem decodeCursor throws, so a test can look at its status and field errors. */
function refusal (run: () => unknown): Problem {
  try { run() } catch (err) { if (err instanceof Problem) return err; throw err }
  throw new Error('the cursor was accepted')
}
const tampered = { status: 400, extra: { errors: [{ in: 'query', path: 'cursor', message: 'malformed or tampered cursor' }] } }

describe('cursors', () => {
  it('decode what they encode, for each kind of sort value', () => {
    const when = new Date('2026-03-01T12:30:00.000Z')
    expect(decodeCursor(encodeCursor('-occurredAt', when.toISOString(), id), '-occurredAt', sortSpec('-occurredAt', fields))).toEqual({ value: when, id })
    expect(decodeCursor(encodeCursor('name', 'Ä "quoted", name', id), 'name', sortSpec('name', fields))).toEqual({ value: 'Ä "quoted", name', id })
    expect(decodeCursor(encodeCursor('min', 0, id), 'min', sortSpec('min', fields))).toEqual({ value: 0, id })
    expect(decodeCursor(encodeCursor('endedAt', null, id), 'endedAt', sortSpec('endedAt', fields))).toEqual({ value: null, id })
  })

  it('cursorFor takes the sort field of a row, a Date as its ISO form', () => {
    const spec = sortSpec('-occurredAt', fields)
    const row = { id, occurredAt: new Date('2024-02-29T00:00:00.000Z'), name: 'ignored' }
    expect(decodeCursor(cursorFor(spec, '-occurredAt', row), '-occurredAt', spec)).toEqual({ value: row.occurredAt, id })
    const nullable = sortSpec('endedAt', fields)
    expect(decodeCursor(cursorFor(nullable, 'endedAt', { id, endedAt: null }), 'endedAt', nullable)).toEqual({ value: null, id })
  })

  it('are refused with 400 when malformed or when their payload or signature was changed', () => {
    const spec = sortSpec('name', fields)
    const good = encodeCursor('name', 'b', id)
    const [payload, mac] = good.split('.')
    const other = encodeCursor('name', 'c', id).split('.')[0]
    for (const cursor of ['', 'abc', `${payload}.`, `.${mac}`, `${other}.${mac}`, `${payload}.${mac.slice(1)}x`, `${payload}.${mac}x`]) {
      expect(refusal(() => decodeCursor(cursor, 'name', spec)), cursor).toMatchObject(tampered)
    }
  })

  it('minted under another key are refused', () => {
    const spec = sortSpec('name', fields)
    useCursorKey('the first key')
    const cursor = encodeCursor('name', 'b', id)
    expect(decodeCursor(cursor, 'name', spec)).toEqual({ value: 'b', id })
    useCursorKey('the second key')
    expect(refusal(() => decodeCursor(cursor, 'name', spec))).toMatchObject(tampered)
  })

  it('issued for one sort order are refused under another, naming the sort to repeat', () => {
    const cursor = encodeCursor('-name', 'b', id)
    expect(refusal(() => decodeCursor(cursor, 'name', sortSpec('name', fields)))).toMatchObject({
      status: 400,
      extra: { errors: [{ in: 'query', path: 'cursor', message: 'cursor was issued for sort=-name; repeat that sort or start without a cursor' }] }
    })
  })

  it('signed but carrying values no minted cursor has are refused before they reach SQL', () => {
    const forged: Array<[string, string | number | null, string]> = [
      ['name', 'b', 'not-a-uuid'],
      ['name', null, id], // name is not nullable
      ['name', 'nul\u0000byte', id],
      ['name', 5, id],
      ['min', 1.5, id],
      ['min', '3', id],
      ['min', 2 ** 53, id],
      ['occurredAt', '2026-03-01', id], // not the form toISOString gives
      ['occurredAt', '0000-01-01T00:00:00.000Z', id], // PostgreSQL has no year 0
      ['occurredAt', 1_700_000_000_000, id]
    ]
    for (const [sort, value, rowId] of forged) {
      expect(refusal(() => decodeCursor(encodeCursor(sort, value, rowId), sort, sortSpec(sort, fields))), `${sort}=${String(value)} ${rowId}`).toMatchObject(tampered)
    }
  })
})
