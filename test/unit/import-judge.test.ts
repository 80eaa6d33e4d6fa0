import { describe, expect, it } from 'vitest'
import type { IncidentRow } from '../../src/modules/incidents/views.ts'
import type { Facts, NameFact } from '../../src/modules/imports/facts.ts'
import { judge } from '../../src/modules/imports/judge.ts'
import { orderLines, parseLines } from '../../src/modules/imports/lines.ts'
import { settleRollUps } from '../../src/modules/imports/rollups.ts'
import { derivedColumns, sameDerived } from '../../src/modules/casualties/rules.ts'

// The write rules of an import, judged on facts given here instead of read from the database.
const now = new Date('2026-12-06T00:00:00.000Z')
const existingActor = '0190f3a4-7b2c-7d3e-8f40-00000000000a'
const mergedActor = '0190f3a4-7b2c-7d3e-8f40-00000000000b'
const existingIncident = '0190f3a4-7b2c-7d3e-8f40-00000000000c'
const existingSource = '0190f3a4-7b2c-7d3e-8f40-00000000000d'

/** Any name's fact: sitrep_name_key() folds case and accents, lower case stands in for it; "Held" is taken. */
class NameFacts extends Map<string, NameFact> {
  override get (name: string): NameFact {
    return { key: name.toLowerCase(), holder: name === 'Held' ? { id: existingActor, name: 'Old', held: 'Held' } : null }
  }
}

function facts (overrides: Partial<Facts> = {}): Facts {
  return {
    now,
    live: {
      actor: new Map([[existingActor, null], [mergedActor, existingActor]]),
      source: new Map([[existingSource, null]]),
      incident: new Map([[existingIncident, null]]),
      statement: new Map()
    },
    names: new NameFacts(),
    urls: new Map([['https://taken.example/a', existingSource]]),
    externalIds: new Map([['acled:AFG1', { dataset: 'acled', externalId: 'AFG1', id: existingIncident, title: 'Held' }]]),
    incidents: new Map(),
    cited: new Map(),
    reports: [],
    denials: new Map(),
    rewritten: new Map(),
    ...overrides
  }
}

function run (records: unknown[], given = facts()) {
  const parsed = parseLines(records.map((r) => JSON.stringify(r)).join('\n'))
  expect(parsed.errors).toEqual([])
  return judge(orderLines(parsed.lines, () => { throw new Error('cycle') }), given)
}

const actor = (ref: string, name: string, extra: Record<string, unknown> = {}) => ({ entity: 'actor', ref, data: { name, kind: 'armed_group', ...extra } })
const source = (ref: string, url: string) => ({ entity: 'source', ref, data: { url, title: 'T', publisher: 'P', kind: 'news_article', language: 'en' } })
const incident = (ref: string, extra: Record<string, unknown> = {}) => ({ entity: 'incident', ref, data: { type: 'shelling', title: ref, occurredAt: '2026-01-02T00:00:00Z', countryCodes: ['UA'], ...extra } })
const killed = (incidentId: unknown, extra: Record<string, unknown> = {}) => ({ entity: 'casualtyReport', data: { incidentId, category: 'killed', qualifier: 'exact', min: 4, ...extra } })
const denial = (incidentIds: unknown[]) => ({ entity: 'statement', data: { speakerId: existingActor, kind: 'denial', summary: 'No.', language: 'en', statedAt: '2026-01-03T00:00:00Z', incidentIds } })

describe('judge', () => {
  it('accepts a clean file, building each row with the transaction time and version 1, in write order', () => {
    const { errors, accepted } = run([incident('i', { actors: [{ actorId: { ref: 'a' }, role: 'perpetrator' }] }), actor('a', 'New group'), killed({ ref: 'i' })])
    expect(errors).toEqual([])
    expect(accepted.order.map((o) => o.entity)).toEqual(['actor', 'incident', 'casualtyReport'])
    expect(accepted.actors[0]).toMatchObject({ name: 'New group', createdAt: now, updatedAt: now, version: 1, deletedAt: null, mergedIntoId: null })
    expect(accepted.incidents[0].actors).toMatchObject([{ incidentId: accepted.incidents[0].id, actorId: accepted.actors[0].id, role: 'perpetrator', position: 0, attribution: 'confirmed', assertedById: null, disputed: false, statements: [] }])
    expect(accepted.reports[0]).toMatchObject({ incidentId: accepted.incidents[0].id, category: 'killed', min: 4 })
  })

  it('refuses a name another actor holds, in the database or earlier in the file, and the lines that depend on it', () => {
    const { errors, accepted } = run([
      actor('old', 'Held'),
      actor('first', 'Brigade'),
      actor('second', 'other', { aliases: ['BRIGADE'] }),
      actor('child', 'Child unit', { parentId: { ref: 'second' } })
    ])
    expect(accepted.actors.map((a) => a.name)).toEqual(['Brigade'])
    expect(errors).toEqual([
      { in: 'body', line: 1, path: 'data', message: `An actor named "Old" already uses the name "Held" (id ${existingActor})` },
      { in: 'body', line: 3, path: 'data', message: `An actor named "Brigade" already uses the name "Brigade" (id ${accepted.actors[0].id})` },
      { in: 'body', line: 4, path: 'data', message: 'depends on line 3, which failed' }
    ])
  })

  // As POST /v1/actors answers: a merge moves its members to the survivor, so no live actor's parent is merged.
  it('refuses a parent that does not exist or was merged, and accepts a live one', () => {
    const missing = '0190f3a4-7b2c-7d3e-8f40-0000000000ff'
    const { errors, accepted } = run([
      actor('a', 'A', { parentId: missing }), actor('b', 'B', { parentId: mergedActor }), actor('c', 'C', { parentId: existingActor })
    ])
    expect(errors).toEqual([
      { in: 'body', line: 1, path: 'data.parentId', message: `actor ${missing} does not exist` },
      { in: 'body', line: 2, path: 'data.parentId', message: `actor ${mergedActor} was merged into ${existingActor}; use that id` }
    ])
    expect(accepted.actors.map((a) => a.name)).toEqual(['C'])
  })

  it('refuses a source URL already taken, compared after normalising', () => {
    const { errors, accepted } = run([source('s1', 'https://new.example/x?utm_source=feed'), source('s2', 'https://new.example/x'), source('s3', 'https://taken.example/a#top')])
    expect(accepted.sources.map((s) => s.url)).toEqual(['https://new.example/x'])
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, `A source with this URL already exists (id ${accepted.sources[0].id})`],
      [3, `A source with this URL already exists (id ${existingSource})`]
    ])
  })

  it('applies the incident rules and refuses links to missing or merged records', () => {
    const gone = '0190f3a4-7b2c-7d3e-8f40-0000000000ee'
    const { errors } = run([
      incident('backwards', { occurredAt: '2026-01-02T00:00:00Z', endedAt: '2026-01-01T00:00:00Z' }),
      incident('nowhere', { countryCodes: [] }),
      incident('links', { actors: [{ actorId: mergedActor, role: 'target' }], sourceIds: [gone] })
    ])
    expect(errors).toEqual([
      { in: 'body', line: 1, path: 'data.endedAt', message: 'endedAt must not be before occurredAt' },
      { in: 'body', line: 2, path: 'data.countryCodes', message: 'give countryCodes or a location' },
      { in: 'body', line: 3, path: 'data.actors.0.actorId', message: `actor ${mergedActor} was merged into ${existingActor}; use that id` },
      { in: 'body', line: 3, path: 'data.sourceIds.0', message: `source ${gone} does not exist` }
    ])
  })

  it('refuses a dataset id another live incident holds, in the database or earlier in the file, naming the holder', () => {
    const { errors, accepted } = run([
      incident('first', { externalIds: { acled: 'AFG2', ucdp: '77' } }),
      incident('again', { externalIds: { ucdp: '77' } }),
      incident('stored', { externalIds: { acled: 'AFG1' } }),
      incident('other dataset', { externalIds: { gdelt: 'AFG2' } })
    ])
    expect(accepted.incidents.map((i) => [i.title, i.acledEventId, i.ucdpGedId, i.gdeltEventId])).toEqual([['first', 'AFG2', '77', null], ['other dataset', null, null, 'AFG2']])
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, `The incident "first" (id ${accepted.incidents[0].id}) already has the ucdp id "77"`],
      [3, `The incident "Held" (id ${existingIncident}) already has the acled id "AFG1"`]
    ])
  })

  it('refuses a statement whose original words lack their language, as a single write does', () => {
    const said = { speakerId: existingActor, kind: 'claim', summary: 'S', language: 'en', statedAt: '2026-01-03T00:00:00Z', quote: 'No.' }
    const { errors, accepted } = run([
      { entity: 'statement', data: { ...said, originalQuote: 'Nein.' } },
      { entity: 'statement', data: { ...said, originalQuote: 'Nein.', originalLanguage: 'de', channel: 'broadcast', place: 'Berlin' } }
    ])
    expect(errors).toEqual([{ in: 'body', line: 1, path: 'data.originalLanguage', message: 'originalQuote needs originalLanguage' }])
    expect(accepted.statements[0]).toMatchObject({ originalQuote: 'Nein.', originalLanguage: 'de', channel: 'broadcast', place: 'Berlin' })
  })

  it('takes the location\'s country among an incident\'s countries', () => {
    const { errors, accepted } = run([incident('i', { countryCodes: undefined, location: { name: 'Kherson', countryCode: 'UA', lat: 46.6, lon: 32.6, precision: 'near' } })])
    expect(errors).toEqual([])
    expect(accepted.incidents[0].countryCodes).toEqual(['UA'])
  })

  it('refuses a second figure of one reporter and category on an incident, in the file or already stored', () => {
    const stored = { id: '0190f3a4-7b2c-7d3e-8f40-000000000099', incidentId: existingIncident, reportedById: null, affectedActorId: null, category: 'killed', qualifier: 'exact' as const, min: 2, max: null }
    const missing = '0190f3a4-7b2c-7d3e-8f40-0000000000dd'
    const { errors, accepted } = run([
      incident('i'),
      killed({ ref: 'i' }),
      killed({ ref: 'i' }, { min: 9 }),
      killed({ ref: 'i' }, { reportedById: existingActor }),
      killed(existingIncident),
      killed(missing)
    ], facts({ reports: [stored] }))
    expect(accepted.reports.map((r) => r.min)).toEqual([4, 4])
    expect(errors.map((e) => [e.line, e.path, e.message])).toEqual([
      [3, 'data', `This reporter already has a killed report on the incident for the same affected party (id ${accepted.reports[0].id}); update it instead`],
      [5, 'data', `This reporter already has a killed report on the incident for the same affected party (id ${stored.id}); update it instead`],
      [6, 'data', `Incident ${missing} does not exist`]
    ])
  })
})

describe('the twin rule with an affected party', () => {
  it('takes one reporter\'s separate figures for different affected parties, and refuses a second for the same one', () => {
    const stored = { id: '0190f3a4-7b2c-7d3e-8f40-000000000099', incidentId: existingIncident, reportedById: existingActor, affectedActorId: null, category: 'killed', qualifier: 'exact' as const, min: 2, max: null }
    const { errors, accepted } = run([
      killed(existingIncident, { reportedById: existingActor, affectedActorId: existingActor }),
      killed(existingIncident, { reportedById: existingActor, affectedActorId: existingActor, min: 5 }),
      killed(existingIncident, { reportedById: existingActor })
    ], facts({ reports: [stored] }))
    expect(accepted.reports.map((r) => [r.affectedActorId, r.min])).toEqual([[existingActor, 4]])
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, `This reporter already has a killed report on the incident for the same affected party (id ${accepted.reports[0].id}); update it instead`],
      [3, `This reporter already has a killed report on the incident for the same affected party (id ${stored.id}); update it instead`]
    ])
  })
})

describe('settleRollUps', () => {
  const incidentRow = (id: string, derived: ReturnType<typeof derivedColumns>) => ({ id, version: 3, updatedAt: new Date(0), actors: [], ...derived }) as unknown as IncidentRow

  it('rolls up a new incident from the figures in the file and marks it contested by a denial in the file', () => {
    const { errors, accepted } = run([incident('i'), killed({ ref: 'i' }, { qualifier: 'range', min: 10, max: 20 }), killed({ ref: 'i' }, { reportedById: existingActor, min: 30 }), denial([{ ref: 'i' }])])
    expect(errors).toEqual([])
    expect(settleRollUps(accepted, facts())).toEqual({ changed: [], flipped: [] })
    expect(accepted.incidents[0]).toMatchObject({ fatalitiesLow: 10, fatalitiesBest: 22, fatalitiesHigh: 30, contested: true })
  })

  it('marks a new incident contested by a denial in the file even when its figures agree', () => {
    const agreed = run([incident('i'), killed({ ref: 'i' }), denial([{ ref: 'i' }]), incident('j'), killed({ ref: 'j' })])
    expect(agreed.errors).toEqual([])
    settleRollUps(agreed.accepted, facts())
    expect(agreed.accepted.incidents.map((i) => [i.title, i.fatalitiesBest, i.contested])).toEqual([['i', 4, true], ['j', 4, false]])
  })

  it('returns an existing incident whose roll-up the file changes, before and after, with the next version', () => {
    const stored = { id: '0190f3a4-7b2c-7d3e-8f40-000000000099', incidentId: existingIncident, reportedById: null, affectedActorId: null, category: 'killed', qualifier: 'exact' as const, min: 2, max: null }
    const before = incidentRow(existingIncident, derivedColumns([stored], false))
    const given = facts({ reports: [stored], incidents: new Map([[existingIncident, before]]) })
    const { errors, accepted } = run([killed(existingIncident, { reportedById: existingActor, min: 6 })], given)
    expect(errors).toEqual([])
    expect(settleRollUps(accepted, given).changed).toEqual([{
      before,
      after: { ...before, fatalitiesLow: 2, fatalitiesBest: 4, fatalitiesHigh: 6, contested: true, version: 4, updatedAt: now }
    }])
  })

  it('leaves out an existing incident whose roll-up stays the same', () => {
    const before = incidentRow(existingIncident, derivedColumns([], true))
    const given = facts({ incidents: new Map([[existingIncident, before]]), denials: new Map([[existingIncident, [{ speakerId: existingActor, respondsToId: null }]]]) })
    const { accepted } = run([denial([existingIncident]), killed(existingIncident, { category: 'injured' })], given)
    expect(sameDerived(before, derivedColumns([], true))).toBe(true)
    expect(settleRollUps(accepted, given)).toEqual({ changed: [], flipped: [] })
  })
})
