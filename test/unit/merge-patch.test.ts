import { describe, expect, it } from 'vitest'
import { mergePatch } from '../../src/http/merge-patch.ts'

const current = { title: 'Shelling', summary: 'first report' as string | null, tags: ['a', 'b'], location: { name: 'Kharkiv' } as { name: string } | null, version: 3 }
const fields = ['title', 'summary', 'tags', 'location'] as const

describe('mergePatch', () => {
  it('when the patch leaves a field out, then the current value is kept', () => {
    expect(mergePatch(current, { title: 'Airstrike' }, fields)).toEqual({ title: 'Airstrike', summary: 'first report', tags: ['a', 'b'], location: { name: 'Kharkiv' } })
  })

  it('when the patch sends null, then the field is cleared, not kept', () => {
    expect(mergePatch(current, { summary: null, location: null }, fields)).toMatchObject({ summary: null, location: null })
  })

  it('when the patch sends a list or an object, then it replaces the current one whole', () => {
    expect(mergePatch(current, { tags: ['c'], location: { name: 'Izium' } }, fields)).toMatchObject({ tags: ['c'], location: { name: 'Izium' } })
  })

  it('answers only the fields named, so the record\'s other columns never reach the write', () => {
    expect(Object.keys(mergePatch(current, {}, fields))).toEqual([...fields])
  })
})
