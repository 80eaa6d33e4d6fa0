import { describe, expect, it } from 'vitest'
import { actorColumns, actorReferences, conflictWith, missingParent } from '../../src/modules/actors/rules.ts'
import { createActorSchema } from '../../src/modules/actors/schemas.ts'
import { normaliseUrl, sourceColumns, urlConflict } from '../../src/modules/sources/rules.ts'
import { countriesOf, externalIdConflict, externalIdKeys, incidentColumns, incidentLinks, incidentReferences, incidentRuleError, roleRuleError, type IncidentInput } from '../../src/modules/incidents/rules.ts'
import { createIncidentSchema } from '../../src/modules/incidents/schemas.ts'
import { reportColumns, reportReferences, reportSourceLinks, twinConflict } from '../../src/modules/casualties/rules.ts'
import { createCasualtySchema } from '../../src/modules/casualties/schemas.ts'
import { denialIncidents, statementColumns, statementLinks, statementReferences, statementRuleError } from '../../src/modules/statements/rules.ts'
import { createStatementSchema } from '../../src/modules/statements/schemas.ts'

// The write rules each module shares between its single writes and the import: pure, so tested here
// without a database. The API tests check that the repositories answer with them.
const id = (n: number) => `0190f3a4-7b2c-7d3e-8f40-${String(n).padStart(12, '0')}`

describe('actor rules', () => {
  it('maps a new actor to its columns, each external id to its own column', () => {
    const input = createActorSchema.parse({ name: 'Brigade', kind: 'armed_group', aliases: ['B'], externalIds: { wikidata: 'Q1', gdelt: 'AFGGOV' } })
    const columns = { name: 'Brigade', kind: 'armed_group', aliases: ['B'], countryCode: null, parentId: null, title: null, description: null }
    expect(actorColumns(input)).toEqual({ ...columns, wikidataId: 'Q1', acledName: null, ucdpId: null, gdeltCode: 'AFGGOV' })
  })

  it('references the parent only when there is one', () => {
    expect(actorReferences({ parentId: null })).toEqual([])
    expect(actorReferences({ parentId: id(1) })).toEqual([{ kind: 'actor', id: id(1), path: 'parentId' }])
  })

  it('names the holder of a taken name in the 409, and a missing parent by its path', () => {
    const problem = conflictWith({ id: id(2), name: 'Old', held: 'Held' })
    expect([problem.status, problem.message, problem.extra]).toEqual([409, `An actor named "Old" already uses the name "Held" (id ${id(2)})`, { existing: { id: id(2), name: 'Old' } }])
    expect(missingParent(id(3))).toEqual({ in: 'body', path: 'parentId', message: `actor ${id(3)} does not exist` })
  })
})

describe('source rules', () => {
  it('normalises a URL: lower-case host, no fragment, no tracking parameters; refuses what is not http(s)', () => {
    expect(normaliseUrl(' https://EXAMPLE.org/a?utm_source=x&id=4&fbclid=y#top ')).toBe('https://example.org/a?id=4')
    expect(normaliseUrl('ftp://example.org/a')).toBeNull()
    expect(normaliseUrl('not a url')).toBeNull()
  })

  it('stores the normalised URL and the publication date as a date', () => {
    const row = sourceColumns({ url: 'https://EXAMPLE.org/a#x', title: 'T', publisher: 'P', publishedAt: '2026-01-02T00:00:00Z', kind: 'report', language: 'en' }, 'https://example.org/a')
    expect(row).toEqual({ url: 'https://example.org/a', title: 'T', publisher: 'P', publishedAt: new Date('2026-01-02T00:00:00Z'), kind: 'report', language: 'en' })
    expect(sourceColumns({ publishedAt: null }, 'u').publishedAt).toBeNull()
  })

  it('names the source holding the URL in the 409', () => {
    const problem = urlConflict({ id: id(4), url: 'https://example.org/a' })
    expect([problem.status, problem.message, problem.extra]).toEqual([409, `A source with this URL already exists (id ${id(4)})`, { existing: { id: id(4), url: 'https://example.org/a' } }])
  })
})

describe('incident rules', () => {
  const incident = (body: Record<string, unknown>): IncidentInput => {
    const parsed = createIncidentSchema.parse({ type: 'shelling', title: 'T', occurredAt: '2026-01-02T00:00:00Z', ...body })
    return { ...parsed, countryCodes: countriesOf(parsed.countryCodes, parsed.location) }
  }
  const location = { name: 'Kharkiv', admin1: null, countryCode: 'UA', lat: 49.99, lon: 36.23, precision: 'near' }

  it('counts the location\'s country among the countries, once', () => {
    expect(countriesOf(['PL'], location as never)).toEqual(['PL', 'UA'])
    expect(countriesOf(['UA'], location as never)).toEqual(['UA'])
    expect(countriesOf(undefined, null)).toEqual([])
  })

  it('breaks a rule when it ends before it began or has no country, and names the field', () => {
    expect(incidentRuleError(incident({ countryCodes: ['UA'] }))).toBeNull()
    expect(incidentRuleError(incident({ countryCodes: ['UA'], endedAt: '2026-01-01T00:00:00Z' })))
      .toEqual({ in: 'body', path: 'endedAt', message: 'endedAt must not be before occurredAt' })
    expect(incidentRuleError(incident({}))).toEqual({ in: 'body', path: 'countryCodes', message: 'give countryCodes or a location' })
  })

  it('references each actor and source by its path in the body', () => {
    const role = { actorId: id(1), role: 'target' as const, attribution: 'alleged' as const, assertedById: id(4), statementIds: [id(5)] }
    expect(incidentReferences({ actors: [role], sourceIds: [id(2), id(3)] })).toEqual([
      { kind: 'actor', id: id(1), path: 'actors.0.actorId' },
      { kind: 'actor', id: id(4), path: 'actors.0.assertedById' },
      { kind: 'statement', id: id(5), path: 'actors.0.statementIds.0' },
      { kind: 'source', id: id(2), path: 'sourceIds.0' },
      { kind: 'source', id: id(3), path: 'sourceIds.1' }
    ])
  })

  it('maps the location to its columns and drops repeated tags', () => {
    const columns = incidentColumns(incident({ location, tags: ['a', 'b', 'a'] }))
    expect(columns).toMatchObject({ occurredAt: new Date('2026-01-02T00:00:00Z'), endedAt: null, countryCodes: ['UA'], tags: ['a', 'b'] })
    expect(columns).toMatchObject({ locationName: 'Kharkiv', locationAdmin1: null, locationCountry: 'UA', lat: 49.99, lon: 36.23, locationPrecision: 'near' })
    expect(incidentColumns(incident({ countryCodes: ['UA'] }))).toMatchObject({ locationName: null, lat: null, lon: null, locationPrecision: null })
  })

  it('maps each dataset id to its own column, and names the incident holding a taken one in the 409', () => {
    const input = incident({ countryCodes: ['UA'], externalIds: { acled: 'UKR123', gdelt: '1234567890' } })
    expect(incidentColumns(input)).toMatchObject({ acledEventId: 'UKR123', ucdpGedId: null, gdeltEventId: '1234567890' })
    expect(incidentColumns(incident({ countryCodes: ['UA'] }))).toMatchObject({ acledEventId: null, ucdpGedId: null, gdeltEventId: null })
    expect(externalIdKeys(input.externalIds)).toEqual(['acled:UKR123', 'gdelt:1234567890'])
    const problem = externalIdConflict({ dataset: 'acled', externalId: 'UKR123', id: id(7), title: 'Shelling of Kharkiv' })
    expect([problem.status, problem.message, problem.extra]).toEqual([409,
      `The incident "Shelling of Kharkiv" (id ${id(7)}) already has the acled id "UKR123"`, { existing: { id: id(7), title: 'Shelling of Kharkiv' } }])
  })

  it('links each role once with its own row id, a claim asserted by its actor, and each source once, numbered in the order given', () => {
    const confirmed = { actorId: id(1), role: 'perpetrator' as const, attribution: 'confirmed' as const, assertedById: null, statementIds: [] }
    const claimed = { actorId: id(1), role: 'perpetrator' as const, attribution: 'claimed' as const, assertedById: null, statementIds: [id(5), id(5)] }
    const links = incidentLinks(id(9), { actors: [confirmed, claimed], sourceIds: [id(2), id(2), id(3)] })
    expect(links.actors.map(({ id: _id, statements: _s, ...row }) => row)).toEqual([
      { incidentId: id(9), actorId: id(1), role: 'perpetrator', attribution: 'confirmed', assertedById: null, disputed: false, position: 0, statementIds: [] },
      { incidentId: id(9), actorId: id(1), role: 'perpetrator', attribution: 'claimed', assertedById: id(1), disputed: false, position: 1, statementIds: [id(5)] }
    ])
    expect(links.actors[1].statements).toEqual([{ incidentActorId: links.actors[1].id, statementId: id(5), position: 0 }])
    expect(new Set(links.actors.map((a) => a.id)).size).toBe(2)
    expect(links.sources).toEqual([{ incidentId: id(9), sourceId: id(2), position: 0 }, { incidentId: id(9), sourceId: id(3), position: 1 }])
  })

  it('refuses each attribution without its asserter rule, and a repeated (actor, role, asserter), naming the field', () => {
    const role = (attribution: 'confirmed' | 'claimed' | 'alleged', assertedById: string | null, actorId = id(1)) =>
      ({ actorId, role: 'target' as const, attribution, assertedById, statementIds: [] })
    expect(roleRuleError([role('confirmed', null), role('alleged', id(2)), role('alleged', id(3)), role('claimed', null), role('claimed', id(4), id(4))])).toBeNull()
    expect(roleRuleError([role('confirmed', id(2))])).toMatchObject({ path: 'actors.0.assertedById' })
    expect(roleRuleError([role('alleged', null)])).toMatchObject({ path: 'actors.0.assertedById', message: 'an alleged role needs assertedById: the actor who alleges it' })
    expect(roleRuleError([role('claimed', id(2))])).toMatchObject({ path: 'actors.0.assertedById' })
    expect(roleRuleError([role('alleged', id(2)), role('alleged', id(2))])).toMatchObject({ path: 'actors.1', message: 'the same actor, role and assertedById are given twice' })
    // A claim is asserted by the actor itself, given or not.
    expect(roleRuleError([role('claimed', null), role('claimed', id(1))])).toMatchObject({ path: 'actors.1' })
  })
})

describe('casualty report rules', () => {
  const report = (body: Record<string, unknown> = {}) => createCasualtySchema.parse({ category: 'killed', qualifier: 'exact', min: 4, ...body })

  it('references the reporter, when given, and each source by its path', () => {
    expect(reportReferences(report({ sourceIds: [id(2)] }))).toEqual([{ kind: 'source', id: id(2), path: 'sourceIds.0' }])
    expect(reportReferences(report({ reportedById: id(1) }))).toEqual([{ kind: 'actor', id: id(1), path: 'reportedById' }])
    expect(reportReferences(report({ reportedById: id(1), affectedActorId: id(3) }))).toEqual([
      { kind: 'actor', id: id(1), path: 'reportedById' }, { kind: 'actor', id: id(3), path: 'affectedActorId' }])
  })

  it('maps the report to its columns under its incident, without its sources', () => {
    const figure = { category: 'killed', min: 4, max: null, qualifier: 'exact', phrase: null, groups: [], note: null }
    expect(reportColumns(id(9), report({ reportedAt: '2026-01-03T00:00:00Z', sourceIds: [id(2)] })))
      .toEqual({ ...figure, incidentId: id(9), reportedById: null, affectedActorId: null, reportedAt: new Date('2026-01-03T00:00:00Z') })
  })

  it('links each source once, numbered in the order given', () => {
    expect(reportSourceLinks(id(9), [id(3), id(2), id(3)])).toEqual([
      { casualtyReportId: id(9), sourceId: id(3), position: 0 }, { casualtyReportId: id(9), sourceId: id(2), position: 1 }
    ])
  })

  it('names the report already given in the 409', () => {
    const problem = twinConflict('killed', id(5))
    expect([problem.status, problem.message, problem.extra])
      .toEqual([409, `This reporter already has a killed report on the incident for the same affected party (id ${id(5)}); update it instead`, { existing: { id: id(5) } }])
  })
})

describe('statement rules', () => {
  const statement = (body: Record<string, unknown> = {}) =>
    createStatementSchema.parse({ speakerId: id(1), kind: 'claim', summary: 'S', language: 'en', statedAt: '2026-01-03T00:00:00Z', ...body })

  it('references the speaker, incidents, actors spoken about, sources and the statement answered, by path', () => {
    const input = statement({ incidentIds: [id(2)], aboutActorIds: [id(3)], sourceIds: [id(4)], respondsToId: id(5) })
    expect(statementReferences(input)).toEqual([
      { kind: 'actor', id: id(1), path: 'speakerId' },
      { kind: 'incident', id: id(2), path: 'incidentIds.0' },
      { kind: 'actor', id: id(3), path: 'aboutActorIds.0' },
      { kind: 'source', id: id(4), path: 'sourceIds.0' },
      { kind: 'statement', id: id(5), path: 'respondsToId' }
    ])
  })

  it('lists the incidents of a denial, before or after, sorted and once; other kinds count for none', () => {
    expect(denialIncidents({ kind: 'denial', incidentIds: [id(3), id(2)] }, null, { kind: 'claim', incidentIds: [id(4)] }, { kind: 'denial', incidentIds: [id(2)] }))
      .toEqual([id(2), id(3)])
    expect(denialIncidents({ kind: 'claim', incidentIds: [id(2)] })).toEqual([])
  })

  it('maps the statement to its columns, without its links', () => {
    const said = { speakerId: id(1), speakerTitle: null, kind: 'claim', summary: 'S', quote: '“No.”', language: 'en', channel: null, place: null, originalQuote: null, originalLanguage: null }
    expect(statementColumns(statement({ quote: '“No.”', incidentIds: [id(2)] })))
      .toEqual({ ...said, statedAt: new Date('2026-01-03T00:00:00Z'), datePrecision: 'exact', respondsToId: null })
  })

  it('keeps the channel, the place and the original words with their language', () => {
    const columns = statementColumns(statement({ channel: 'interview', place: 'Islamabad', quote: 'We will respond.', originalQuote: 'ہم جواب دیں گے۔', originalLanguage: 'ur' }))
    expect(columns).toMatchObject({ channel: 'interview', place: 'Islamabad', originalQuote: 'ہم جواب دیں گے۔', originalLanguage: 'ur' })
  })

  it('refuses original words without their language, and a language without words, naming the missing field', () => {
    expect(statementRuleError(statement({ originalQuote: 'Nein.', originalLanguage: 'de' }))).toBeNull()
    expect(statementRuleError(statement({}))).toBeNull()
    expect(statementRuleError(statement({ originalQuote: 'Nein.' }))).toEqual({ in: 'body', path: 'originalLanguage', message: 'originalQuote needs originalLanguage' })
    expect(statementRuleError(statement({ originalLanguage: 'de' }))).toEqual({ in: 'body', path: 'originalQuote', message: 'originalLanguage needs originalQuote' })
  })

  it('links each incident, actor and source once, numbered in the order given', () => {
    expect(statementLinks(id(9), { incidentIds: [id(2), id(2)], aboutActorIds: [id(3)], sourceIds: [id(5), id(4)] })).toEqual({
      incidents: [{ statementId: id(9), incidentId: id(2), position: 0 }],
      aboutActors: [{ statementId: id(9), actorId: id(3), position: 0 }],
      sources: [{ statementId: id(9), sourceId: id(5), position: 0 }, { statementId: id(9), sourceId: id(4), position: 1 }]
    })
  })
})
