import { describe, expect, it } from 'vitest'
import { Prisma } from '../../src/generated/prisma/client.ts'
import { keysetCount, keysetQuery, keysetSql, sortSpec, type KeysetPage, type SortFields } from '../../src/db/keyset.ts'

const fields: SortFields = { occurredAt: { kind: 'date' }, name: { kind: 'string' }, min: { kind: 'number' }, endedAt: { kind: 'date', nullable: true } }
const id = '0190f3a4-7b2c-7d3e-8f40-123456789abc'
const col = Prisma.sql`t.col`
const tid = Prisma.sql`t.id`
const when = new Date('2026-03-01T12:30:00.000Z')

/** The statement as PostgreSQL gets it: text with the whitespace folded, and the values. */
const sent = (sql: Prisma.Sql) => ({ text: sql.text.replace(/\s+/g, ' ').trim(), values: sql.values })

describe('keysetSql', () => {
  it('continues after the cursor: a row comparison on (value, id), in the sort direction', () => {
    expect(sent(keysetSql(col, tid, sortSpec('occurredAt', fields), { value: when, id })))
      .toEqual({ text: '((t.col, t.id) > ($1::timestamptz, $2::uuid))', values: [when, id] })
    expect(sent(keysetSql(col, tid, sortSpec('-occurredAt', fields), { value: when, id })).text)
      .toBe('((t.col, t.id) < ($1::timestamptz, $2::uuid))')
  })

  it('casts the cursor value by the kind of the sort field: text stays text, numbers compare as bigint', () => {
    expect(sent(keysetSql(col, tid, sortSpec('name', fields), { value: 'b', id })))
      .toEqual({ text: '((t.col, t.id) > ($1::text, $2::uuid))', values: ['b', id] })
    expect(sent(keysetSql(col, tid, sortSpec('-min', fields), { value: 7, id })))
      .toEqual({ text: '((t.col, t.id) < ($1::bigint, $2::uuid))', values: [7, id] })
  })

  it('lets the nulls of a nullable field follow every value, and pages through them by id', () => {
    expect(sent(keysetSql(col, tid, sortSpec('-endedAt', fields), { value: when, id })).text)
      .toBe('((t.col, t.id) < ($1::timestamptz, $2::uuid) OR t.col IS NULL)')
    expect(sent(keysetSql(col, tid, sortSpec('endedAt', fields), { value: null, id })))
      .toEqual({ text: '(t.col IS NULL AND t.id > $1::uuid)', values: [id] })
  })

  it('compares the value alone when the sort column is unique (no id column)', () => {
    const seq = sortSpec('min', fields)
    expect(sent(keysetSql(Prisma.sql`c.seq`, null, seq, { value: '41', id: '' }))).toEqual({ text: 'c.seq > $1::bigint', values: ['41'] })
  })
})

describe('keysetQuery', () => {
  const page = (over: Partial<KeysetPage>): KeysetPage => ({
    select: Prisma.sql`t.*`,
    from: Prisma.sql`things t`,
    column: col,
    id: tid,
    spec: sortSpec('-endedAt', fields),
    conditions: [Prisma.sql`t.deleted_at IS NULL`, Prisma.sql`t.kind = ${'a'}`],
    limit: 50,
    ...over
  })

  it('picks the ids of limit + 1 rows in (column, id) order, nulls last, under every condition, then reads those rows in that order', () => {
    expect(sent(keysetQuery(page({})))).toEqual({
      text: 'SELECT t.* FROM things t WHERE t.id = ANY(ARRAY(SELECT t.id FROM things t WHERE t.deleted_at IS NULL AND t.kind = $1 ORDER BY t.col DESC NULLS LAST, t.id DESC LIMIT $2)) ' +
        'ORDER BY t.col DESC NULLS LAST, t.id DESC',
      values: ['a', 51]
    })
  })

  it('adds the cursor as one more condition, after the filters', () => {
    expect(sent(keysetQuery(page({ spec: sortSpec('name', fields), after: { value: 'b', id } })))).toEqual({
      text: 'SELECT t.* FROM things t WHERE t.id = ANY(ARRAY(SELECT t.id FROM things t WHERE t.deleted_at IS NULL AND t.kind = $1 AND ((t.col, t.id) > ($2::text, $3::uuid)) ' +
        'ORDER BY t.col ASC, t.id ASC LIMIT $4)) ORDER BY t.col ASC, t.id ASC',
      values: ['a', 'b', id, 51]
    })
  })

  it('has no WHERE without conditions, and no tie-breaker without an id column', () => {
    expect(sent(keysetQuery(page({ conditions: [], id: null, spec: sortSpec('min', fields), limit: 9 })))).toEqual({
      text: 'SELECT t.* FROM things t ORDER BY t.col ASC LIMIT $1',
      values: [10]
    })
  })

  it('counts every match whatever the cursor', () => {
    expect(sent(keysetCount(page({ after: { value: 'b', id } })))).toEqual({
      text: 'SELECT count(*)::int AS n FROM things t WHERE t.deleted_at IS NULL AND t.kind = $1',
      values: ['a']
    })
  })
})
