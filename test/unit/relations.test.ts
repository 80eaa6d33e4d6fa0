import { describe, expect, it } from 'vitest'
import { incidentReferences, partOfCycle, relationRows, relationRuleError, relationStatementIds, uniqueRelations } from '../../src/modules/incidents/rules.ts'
import { relationErrors } from '../../src/modules/imports/relations.ts'
import type { NewIncident } from '../../src/modules/imports/judge.ts'
import type { Line } from '../../src/modules/imports/lines.ts'

// The relation rules shared by the single writes and the import, and the import's checks across its
// own incidents: pure, so tested without a database (test/modules/incident-relations.test.ts runs them through the API).
const id = (n: number) => `0190f3a4-7b2c-7d3e-8f40-${String(n).padStart(12, '0')}`
const rel = (to: number, kind: 'responds_to' | 'part_of' | 'follows' | 'same_as', statementIds: string[] = []) =>
  ({ incidentId: id(to), kind, assertedById: null, statementIds })

describe('relation rules', () => {
  it('when a relation points at its own incident, then the error names it', () => {
    expect(relationRuleError(id(1), [rel(2, 'follows'), rel(1, 'same_as')]))
      .toEqual({ in: 'body', path: 'relations.1.incidentId', message: 'an incident cannot relate to itself' })
    expect(relationRuleError(null, [rel(1, 'same_as')])).toBeNull()
  })

  it('when the same incident and kind repeat, then the first one stands; other kinds to it stay', () => {
    const first = { ...rel(2, 'follows'), assertedById: id(7) }
    expect(uniqueRelations([first, rel(2, 'follows'), rel(2, 'responds_to')])).toEqual([first, rel(2, 'responds_to')])
  })

  it('when relations cite statements, then they are references, listed once for linking, and rows in order', () => {
    const relations = [{ ...rel(2, 'responds_to', [id(5), id(5), id(6)]), assertedById: id(7) }, rel(3, 'part_of', [id(6)])]
    expect(incidentReferences({ actors: [], sourceIds: [], relations })).toEqual([
      { kind: 'incident', id: id(2), path: 'relations.0.incidentId' },
      { kind: 'actor', id: id(7), path: 'relations.0.assertedById' },
      { kind: 'statement', id: id(5), path: 'relations.0.statementIds.0' },
      { kind: 'statement', id: id(5), path: 'relations.0.statementIds.1' },
      { kind: 'statement', id: id(6), path: 'relations.0.statementIds.2' },
      { kind: 'incident', id: id(3), path: 'relations.1.incidentId' },
      { kind: 'statement', id: id(6), path: 'relations.1.statementIds.0' }
    ])
    expect(relationStatementIds(relations)).toEqual([id(5), id(6)])
    expect(relationRows(id(1), relations)[0]).toEqual({
      fromId: id(1),
      toId: id(2),
      kind: 'responds_to',
      assertedById: id(7),
      position: 0,
      statementIds: [id(5), id(6)],
      statements: [
        { fromId: id(1), toId: id(2), kind: 'responds_to', statementId: id(5), position: 0 },
        { fromId: id(1), toId: id(2), kind: 'responds_to', statementId: id(6), position: 1 }
      ]
    })
    expect(partOfCycle([id(1), id(2), id(1)])).toBe(`part_of would make a cycle: ${id(1)} → ${id(2)} → ${id(1)}`)
  })
})

describe('the import\'s relations among its own incidents', () => {
  const incident = (n: number, relations: ReturnType<typeof rel>[]) => ({ id: id(n), relations: relationRows(id(n), relations) }) as unknown as NewIncident
  const lines = [1, 2, 3].map((n) => ({ n: n + 10, id: id(n) })) as Line[]

  it('when part_of closes a cycle, then one line says so with the path', () => {
    const errors = relationErrors([incident(1, [rel(2, 'part_of')]), incident(2, [rel(3, 'part_of')]), incident(3, [rel(1, 'part_of')])], lines)
    expect(errors).toEqual([{ in: 'body', line: 11, path: 'data.relations.0.incidentId', message: partOfCycle([id(1), id(2), id(3), id(1)]) }])
  })

  it('when same_as is given both ways, then the second is refused; a chain without a cycle passes', () => {
    expect(relationErrors([incident(1, [rel(2, 'same_as')]), incident(2, [rel(1, 'same_as')])], lines))
      .toEqual([{ in: 'body', line: 12, path: 'data.relations.0.incidentId', message: expect.stringContaining(`Incident ${id(1)} already states same_as with ${id(1)}`) }])
    expect(relationErrors([incident(1, [rel(2, 'part_of'), rel(3, 'part_of')]), incident(2, [rel(3, 'part_of')]), incident(3, [rel(1, 'follows')])], lines)).toEqual([])
  })
})
