import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { isoOfTimestamptz } from '../../src/db/rows.ts'

// pg's own reading of a timestamptz, then Date.prototype.toISOString: what the views printed before.
const viaDate = (text: string) => (pg.types.getTypeParser(1184, 'text') as (s: string) => Date)(text).toISOString()

describe('isoOfTimestamptz', () => {
  it('answers what pg\'s Date parsing and toISOString answered, for every fraction length', () => {
    for (const fraction of ['', '.4', '.43', '.431', '.4319', '.43199', '.431999', '.000001', '.999999']) {
      const text = `2026-09-29 09:40:11${fraction}+00`
      expect(isoOfTimestamptz(text)).toBe(viaDate(text))
    }
  })

  it('every millisecond of a second, with microseconds past them', () => {
    for (let us = 0; us < 1_000_000; us += 997) {
      const text = `2025-01-31 23:59:59.${String(us).padStart(6, '0')}+00`
      expect(isoOfTimestamptz(text)).toBe(viaDate(text))
    }
  })

  it('the ends of the instant range and years under 100', () => {
    for (const text of ['0001-01-01 00:00:00+00', '0099-12-31 23:59:59.999+00', '9999-12-31 23:59:59.999999+00']) {
      expect(isoOfTimestamptz(text)).toBe(viaDate(text))
    }
  })

  it('a session in another time zone, or a BC date, goes through Date', () => {
    for (const text of ['2026-09-29 11:40:11.431+02', '2026-09-29 04:10:11.431-05:30', '2026-09-29 09:40:11+00:00:30', '0005-03-01 00:00:00+00 BC']) {
      expect(isoOfTimestamptz(text)).toBe(viaDate(text))
    }
    expect(isoOfTimestamptz('2026-09-29 11:40:11.431+02')).toBe('2026-09-29T09:40:11.431Z')
  })
})
