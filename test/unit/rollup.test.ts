import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { derivedColumns, figureProblem, sameDerived } from '../../src/modules/casualties/rules.ts'
import { isContested, pointEstimate, rollUp, type KilledReport } from '../../src/modules/casualties/rollup.ts'

const r = (qualifier: KilledReport['qualifier'], min: number, max: number | null = null): KilledReport => ({ qualifier, min, max })

describe('pointEstimate', () => {
  it('takes min for exact, at_least and approximately, max for at_most, the floored midpoint for range', () => {
    expect(pointEstimate(r('exact', 7))).toBe(7)
    expect(pointEstimate(r('at_least', 3))).toBe(3)
    expect(pointEstimate(r('approximately', 50))).toBe(50)
    expect(pointEstimate(r('at_most', 0, 12))).toBe(12)
    expect(pointEstimate(r('range', 10, 15))).toBe(12)
    expect(pointEstimate(r('range', 10, 11))).toBe(10)
  })
})

describe('rollUp', () => {
  it('when there are no killed reports, then null', () => {
    expect(rollUp([])).toBeNull()
  })

  it('when there is one exact report, then low = best = high', () => {
    expect(rollUp([r('exact', 3)])).toEqual({ low: 3, best: 3, high: 3 })
  })

  it('when one at_least report, then high is its min (no upper bound given)', () => {
    expect(rollUp([r('at_least', 3)])).toEqual({ low: 3, best: 3, high: 3 })
  })

  it('when one range report, then low/high are its bounds and best its floored midpoint', () => {
    expect(rollUp([r('range', 5, 10)])).toEqual({ low: 5, best: 7, high: 10 })
  })

  it('when an odd number of reports, then best is the middle point estimate', () => {
    // points: 3 (at_least), 12 (at_most 0..12), 40 (approximately)
    expect(rollUp([r('approximately', 40), r('at_least', 3), r('at_most', 0, 12)])).toEqual({ low: 0, best: 12, high: 40 })
  })

  it('when an even number of reports, then best is the floored mean of the two middle points', () => {
    // points: 3, 8 (range 6..10 -> 8), 10 (exact), 25 (at_most)
    expect(rollUp([r('exact', 10), r('range', 6, 10), r('at_least', 3), r('at_most', 20, 25)])).toEqual({ low: 3, best: 9, high: 25 })
    expect(rollUp([r('exact', 4), r('exact', 7)])).toEqual({ low: 4, best: 5, high: 7 })
  })
})

describe('isContested', () => {
  it('is true with a denial, or when low differs from high; false otherwise', () => {
    expect(isContested(null, false)).toBe(false)
    expect(isContested(null, true)).toBe(true)
    expect(isContested({ low: 3, best: 3, high: 3 }, false)).toBe(false)
    expect(isContested({ low: 3, best: 4, high: 5 }, false)).toBe(true)
  })
})

describe('figureProblem', () => {
  it('requires max with range and at_most, forbids it otherwise, and wants max ≥ min', () => {
    expect(figureProblem(r('range', 5))).toEqual({ path: 'max', message: 'max is required with qualifier range' })
    expect(figureProblem(r('at_most', 0))).toEqual({ path: 'max', message: 'max is required with qualifier at_most' })
    expect(figureProblem(r('range', 5, 4))).toEqual({ path: 'max', message: 'max must be ≥ min' })
    expect(figureProblem(r('exact', 5, 6))).toEqual({ path: 'max', message: 'max is only given with qualifier range or at_most, not exact' })
    expect(figureProblem(r('range', 5, 5))).toBeNull()
    expect(figureProblem(r('at_least', 5))).toBeNull()
  })

  it('wants a phrase, min ≥ 1 and no max with unquantified, and a phrase with nothing else', () => {
    const multiple = { ...r('unquantified', 2), phrase: 'multiple' }
    expect(figureProblem(multiple)).toBeNull()
    expect(figureProblem(r('unquantified', 2))).toMatchObject({ path: 'phrase', message: expect.stringContaining('required') })
    expect(figureProblem({ ...multiple, min: 0 })).toMatchObject({ path: 'min' })
    expect(figureProblem({ ...multiple, max: 5 })).toEqual({ path: 'max', message: 'max is not given with qualifier unquantified' })
    expect(figureProblem({ ...r('exact', 3), phrase: 'three' })).toEqual({ path: 'phrase', message: 'phrase is only given with qualifier unquantified, not exact' })
  })
})

describe('an unquantified report in the roll-up', () => {
  it('counts as at_least its min: "multiple" (2) beside "at least 3" gives low 2, best 2, high 3', () => {
    expect(pointEstimate(r('unquantified', 2))).toBe(2)
    expect(rollUp([r('unquantified', 2)])).toEqual({ low: 2, best: 2, high: 2 })
    expect(rollUp([r('unquantified', 2), r('at_least', 3)])).toEqual(rollUp([r('at_least', 2), r('at_least', 3)]))
    expect(rollUp([r('unquantified', 2), r('at_least', 3)])).toEqual({ low: 2, best: 2, high: 3 })
  })
})

// Reports as the schemas let them through: max only with range and at_most, and never below min; a phrase only with unquantified.
const report = fc.oneof(
  fc.record({ qualifier: fc.constantFrom('exact', 'at_least', 'approximately'), min: fc.nat(100_000), max: fc.constant(null) }),
  fc.record({ qualifier: fc.constant('unquantified'), min: fc.integer({ min: 1, max: 100_000 }), max: fc.constant(null), phrase: fc.constantFrom('multiple', 'dozens', 'scores') }),
  fc.nat(100_000).chain((min) => fc.record({ qualifier: fc.constantFrom('range', 'at_most'), min: fc.constant(min), max: fc.integer({ min, max: min + 100_000 }) }))
) as fc.Arbitrary<KilledReport>

describe('rollUp, for any valid reports', () => {
  it('keeps low ≤ best ≤ high, within the bounds of the reports', () => {
    fc.assert(fc.property(fc.array(report, { minLength: 1, maxLength: 40 }), (reports) => {
      expect(reports.every((x) => figureProblem(x) === null)).toBe(true)
      const { low, best, high } = rollUp(reports)!
      expect(low).toBeLessThanOrEqual(best)
      expect(best).toBeLessThanOrEqual(high)
      expect(low).toBe(Math.min(...reports.map((x) => x.min)))
      expect(reports.some((x) => pointEstimate(x) === best) || reports.length % 2 === 0).toBe(true)
    }))
  })

  it('does not depend on the order of the reports', () => {
    fc.assert(fc.property(fc.array(report, { minLength: 1, maxLength: 40 }).chain((reports) => fc.tuple(fc.constant(reports), fc.shuffledSubarray(reports, { minLength: reports.length, maxLength: reports.length }))), ([reports, shuffled]) => {
      expect(rollUp(shuffled)).toEqual(rollUp(reports))
    }))
  })

  it('is contested exactly when the reports disagree or a denial is linked', () => {
    fc.assert(fc.property(fc.array(report, { maxLength: 10 }), fc.boolean(), (reports, denied) => {
      const columns = derivedColumns(reports, denied)
      const agree = new Set(reports.flatMap((x) => [x.min, x.max ?? x.min])).size <= 1
      expect(columns.contested).toBe(denied || !agree)
      expect(sameDerived(columns, derivedColumns([...reports].reverse(), denied))).toBe(true)
    }))
  })
})
