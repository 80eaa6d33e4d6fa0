import type {
  Actor, CasualtyReport, CasualtyReportSource, Source, Statement, StatementAboutActor, StatementIncident, StatementSource
} from '../../generated/prisma/client.ts'
import { Problem, notFound, validationProblem, type FieldError } from '../../http/problems.ts'
import { referenceProblem } from '../../http/references.ts'
import { referenceErrors, type LiveLookup, type Reference } from '../../db/references.ts'
import { actorColumns, actorReferences, conflictWith } from '../actors/rules.ts'
import { normaliseUrl, sourceColumns, urlConflict } from '../sources/rules.ts'
import {
  externalIdConflict, externalIdKeys, incidentColumns, incidentLinks, incidentReferences, incidentRuleError, relationRuleError, roleRuleError
} from '../incidents/rules.ts'
import type { StatementRow } from '../statements/views.ts'
import type { IncidentColumns } from '../incidents/views.ts'
import { reportColumns, reportReferences, reportSourceLinks, twinConflict, twinKey } from '../casualties/rules.ts'
import { statementColumns, statementLinks, statementReferences, statementRuleError } from '../statements/rules.ts'
import type { ImportEntity } from './schemas.ts'
import { lineOf, type Line } from './lines.ts'
import { actorOf, createdIds, incidentOf, reportOf, sourceOf, statementOf, type Facts } from './facts.ts'
import type { IncidentRow } from '../incidents/views.ts'
import type { ReportRow } from '../casualties/views.ts'

// New records with their link rows in full (the view functions read only part of them).
export type NewIncident = IncidentColumns & ReturnType<typeof incidentLinks>
export type NewReport = CasualtyReport & { sources: CasualtyReportSource[] }
export type NewStatement = Statement & { incidents: StatementIncident[], aboutActors: StatementAboutActor[], sources: StatementSource[] }

/** The rows an import writes, as the repositories would have written them. */
export interface Accepted {
  actors: Actor[]
  sources: Source[]
  incidents: NewIncident[]
  reports: NewReport[]
  statements: NewStatement[]
  /** every record in the order the lines were judged, which is the order of their change-log entries */
  order: Array<{ entity: ImportEntity, row: { id: string } }>
  /** existing statements that relations cite: their new links to the new incidents, and their state before and after */
  statementLinks: StatementIncident[]
  linkedStatements: Array<{ before: StatementRow, after: StatementRow }>
  /**
   * Live records that `existing` lines rewrite, as they were and as they will be. A rewritten
   * incident keeps its relations and status (the line's are not read), its statements and other reporters' figures.
   */
  rewrites: { incidents: Array<{ before: IncidentRow, after: NewIncident }>, reports: Array<{ before: ReportRow, after: NewReport }> }
}

/** One line's problem as the import reports it: each field error under `data`, or the problem's message for the whole line. */
function lineErrors (n: number, problem: Problem): FieldError[] {
  const details = problem.extra.errors ?? [{ in: 'body' as const, path: '', message: problem.message }]
  return details.map((e) => ({ in: 'body', line: n, path: e.path ? `data.${e.path}` : 'data', message: e.message }))
}

/**
 * Judges every line in write order, exactly as writing them one by one through the repositories
 * would: the same checks, the same messages, and a line that depends on a refused line is refused
 * too. Lines already accepted count as existing for the lines after them (their names, URLs and
 * figures are taken; references to them are live). Builds the rows to write on the way.
 */
export function judge (ordered: Line[], facts: Facts): { errors: FieldError[], accepted: Accepted } {
  const inFile = createdIds(ordered)
  const live: LiveLookup = (kind, id) => (inFile.has(id) ? null : facts.live[kind].get(id))
  const names = new Map<string, { id: string, name: string, held: string }>()
  const urls = new Map<string, string>()
  const externalIds = new Map<string, { id: string, title: string }>()
  const twins = new Map(facts.reports.map((r) => [twinKey(r), r.id]))
  const stamps = { createdAt: facts.now, updatedAt: facts.now, version: 1, deletedAt: null }
  const accepted: Accepted = {
    actors: [], sources: [], incidents: [], reports: [], statements: [], order: [], statementLinks: [], linkedStatements: [], rewrites: { incidents: [], reports: [] }
  }
  /** The stamps of a rewritten record: created as it was, one version on. */
  const restamped = <T extends Date | string>(before: { createdAt: T, version: number }) => ({ createdAt: before.createdAt, updatedAt: facts.now, version: before.version + 1, deletedAt: null })
  /** The 400 for references that name no live record (as assertReferencesExist answers a single write), or null. */
  const brokenReferences = (refs: Reference[]) => {
    const broken = referenceErrors(refs, live)
    return broken.length > 0 ? referenceProblem(broken) : null
  }

  function actor (line: Line): Problem | null {
    const input = actorOf(line)
    const refs = brokenReferences(actorReferences(input))
    if (refs) return refs
    const own = [input.name, ...input.aliases].map((name) => ({ name, ...facts.names.get(name)! }))
    for (const { key, holder } of own) {
      const clash = holder ?? names.get(key)
      if (clash) return conflictWith(clash)
    }
    // actor_names keeps, per key, the first of the actor's own names with it.
    for (const { name, key } of own) if (!names.has(key)) names.set(key, { id: line.id, name: input.name, held: name })
    const row: Actor = { id: line.id, ...actorColumns(input), mergedIntoId: null, ...stamps }
    accepted.actors.push(row)
    return null
  }

  function source (line: Line): Problem | null {
    const input = sourceOf(line)
    const url = normaliseUrl(input.url)!
    const clash = facts.urls.get(url) ?? urls.get(url)
    if (clash) return urlConflict({ id: clash, url })
    urls.set(url, line.id)
    accepted.sources.push({ id: line.id, ...sourceColumns(input, url), ...stamps })
    return null
  }

  function incident (line: Line): Problem | null {
    const input = incidentOf(line)
    const before = line.existing ? facts.incidents.get(line.id) : undefined
    if (line.existing && !before) return notFound('Incident', line.id)
    // A dataset row says nothing of relations or of how far the event is confirmed: an editor's stand.
    if (before) Object.assign(input, { relations: [], status: before.status })
    const broken = incidentRuleError(input) ?? roleRuleError(input.actors) ?? relationRuleError(line.id, input.relations)
    if (broken) return validationProblem([broken])
    const refs = brokenReferences(incidentReferences(input))
    if (refs) return refs
    const keys = externalIdKeys(input.externalIds)
    for (const key of keys) {
      const holder = facts.externalIds.get(key) ?? externalIds.get(key)
      if (holder && holder.id !== line.id) return externalIdConflict({ dataset: key.slice(0, key.indexOf(':')), externalId: key.slice(key.indexOf(':') + 1), id: holder.id, title: holder.title })
    }
    const id = line.id
    for (const key of keys) externalIds.set(key, { id, title: input.title })
    const row: NewIncident = {
      id,
      ...incidentColumns(input),
      // The roll-up is filled in once every figure and denial is known.
      fatalitiesLow: null,
      fatalitiesBest: null,
      fatalitiesHigh: null,
      contested: false,
      ...(before ? restamped(before) : stamps),
      ...incidentLinks(id, input)
    }
    if (before) accepted.rewrites.incidents.push({ before, after: row })
    else accepted.incidents.push(row)
    return null
  }

  function report (line: Line): Problem | null {
    const { incidentId, ...input } = reportOf(line)
    if (live('incident', incidentId) === undefined) return notFound('Incident', incidentId)
    const before = line.existing ? facts.rewritten.get(line.id) : undefined
    if (line.existing && !before) return notFound('Casualty report', line.id)
    // The figure itself (max against min and qualifier) was checked with the line's schema.
    const refs = brokenReferences(reportReferences(input))
    if (refs) return refs
    const key = twinKey({ ...input, incidentId })
    const twin = twins.get(key)
    if (twin && twin !== line.id) return twinConflict(input.category, twin)
    if (before) twins.delete(twinKey(before))
    twins.set(key, line.id)
    const id = line.id
    const row: NewReport = {
      id,
      ...reportColumns(incidentId, input),
      ...(before ? restamped(before) : stamps),
      sources: reportSourceLinks(id, input.sourceIds)
    }
    if (before) accepted.rewrites.reports.push({ before, after: row })
    else accepted.reports.push(row)
    return null
  }

  function statement (line: Line): Problem | null {
    const input = statementOf(line)
    const broken = statementRuleError(input)
    if (broken) return validationProblem([broken])
    const refs = brokenReferences(statementReferences(input))
    if (refs) return refs
    accepted.statements.push({
      id: line.id,
      ...statementColumns(input),
      ...stamps,
      ...statementLinks(line.id, input)
    })
    return null
  }

  const checks = { actor, source, incident, casualtyReport: report, statement }
  const lists = { actor: accepted.actors, source: accepted.sources, incident: accepted.incidents, casualtyReport: accepted.reports, statement: accepted.statements }
  const errors: FieldError[] = []
  const refused = new Set<number>()
  const byNumber = new Map(ordered.map((l) => [l.n, l]))
  for (const line of ordered) {
    const failedDep = [...line.deps].find((d) => refused.has(d))
    const problem = failedDep === undefined
      ? checks[line.entity](line)
      : validationProblem([{ in: 'body', path: '', message: `depends on line ${lineOf(byNumber.get(failedDep)!)}, which failed` }])
    if (problem) {
      refused.add(line.n)
      errors.push(...lineErrors(lineOf(line), problem))
    } else if (!line.existing) {
      const list: Array<{ id: string }> = lists[line.entity]
      accepted.order.push({ entity: line.entity, row: list[list.length - 1] })
    }
  }
  return { errors, accepted }
}
