import type pg from 'pg'
import { Prisma } from '../../generated/prisma/client.ts'
import { liveSql, referenceLockOrder, referencedKinds, type LiveRow, type Reference, type Referenced } from '../../db/references.ts'
import { actorReferences } from '../actors/rules.ts'
import { citedStatementIds, incidentReferences, countriesOf, type LinkedDenial } from '../incidents/rules.ts'
import { externalIdHoldersSql, linkedDenials, loadIncidentRows, type ExternalIdHolder, type IncidentRow } from '../incidents/views.ts'
import { reportReferences } from '../casualties/rules.ts'
import { denialIncidents, statementReferences } from '../statements/rules.ts'
import { statementRowSql, type StatementRow } from '../statements/views.ts'
import { reportRowSql, type ReportRow } from '../casualties/views.ts'
import { normaliseUrl } from '../sources/rules.ts'
import type { CreateActor } from '../actors/schemas.ts'
import type { CreateSource } from '../sources/schemas.ts'
import type { CreateIncident } from '../incidents/schemas.ts'
import type { CreateCasualty } from '../casualties/schemas.ts'
import type { CreateStatement } from '../statements/schemas.ts'
import type { KilledReport } from '../casualties/rollup.ts'
import type { Line } from './lines.ts'
import { rawRows } from '../../db/rows.ts'

export type ReportLine = CreateCasualty & { incidentId: string }

export const actorOf = (l: Line) => l.data as CreateActor
export const sourceOf = (l: Line) => l.data as CreateSource
export const incidentOf = (l: Line) => {
  const body = l.data as CreateIncident
  return { ...body, countryCodes: countriesOf(body.countryCodes, body.location) }
}
export const reportOf = (l: Line) => l.data as ReportLine
export const statementOf = (l: Line) => l.data as CreateStatement

/** A name's key (as sitrep_name_key() computes it) and the live actor already holding it, if any. */
export interface NameFact { key: string, holder: { id: string, name: string, held: string } | null }

export interface ExistingReport extends KilledReport { id: string, incidentId: string, reportedById: string | null, affectedActorId: string | null, category: string }

/** What the database holds that the lines' checks need, read in a constant number of queries. */
export interface Facts {
  /** the transaction's time: createdAt and updatedAt of everything written */
  now: Date
  /** the live records that lines reference by id (not by ref), with the actor each was merged into */
  live: Record<Referenced, Map<string, string | null>>
  names: Map<string, NameFact>
  /** live sources by (normalised) URL */
  urls: Map<string, string>
  /** live incidents holding the dataset ids the incident lines give, by `dataset:id` */
  externalIds: Map<string, ExternalIdHolder>
  /** existing incidents whose roll-up the import may change, locked until commit */
  incidents: Map<string, IncidentRow>
  /** the live casualty reports of those incidents */
  reports: ExistingReport[]
  /** the live denials linked to those incidents, by incident */
  denials: Map<string, LinkedDenial[]>
  /** existing statements that roles and relations cite, locked until commit: each gets linked to its new incident */
  cited: Map<string, StatementRow>
  /** the live casualty reports that `existing` lines rewrite, locked until commit */
  rewritten: Map<string, ReportRow>
}

/** Every reference a line makes, as the single-record routes check them (a report's incident included). */
export function lineReferences (line: Line): Reference[] {
  switch (line.entity) {
    case 'actor': return actorReferences(actorOf(line))
    case 'source': return []
    case 'incident': return incidentReferences(incidentOf(line))
    case 'casualtyReport': { const r = reportOf(line); return [{ kind: 'incident', id: r.incidentId, path: 'incidentId' }, ...reportReferences(r)] }
    case 'statement': return statementReferences(statementOf(line))
  }
}

/**
 * Existing incidents whose fatalities or contested flag the lines may change: those given figures or
 * linked to a denial, and those the lines rewrite.
 */
function touchedIncidents (lines: Line[], inFile: Set<string>) {
  const ids = new Set<string>()
  for (const line of lines) {
    if (line.entity === 'incident' && line.existing) ids.add(line.id)
    if (line.entity === 'casualtyReport') ids.add(reportOf(line).incidentId)
    if (line.entity === 'statement') for (const id of denialIncidents(statementOf(line))) ids.add(id)
  }
  return [...ids].filter((id) => !inFile.has(id)).sort()
}

/** Existing statements the incidents' roles and relations cite: the import links them to the new incidents. */
function citedStatements (lines: Line[], inFile: Set<string>) {
  const ids = lines.filter((l) => l.entity === 'incident').flatMap((l) => citedStatementIds(incidentOf(l)))
  return [...new Set(ids)].filter((id) => !inFile.has(id)).sort()
}

const lockStatements = (ids: string[]) =>
  Prisma.sql`SELECT s.id FROM statements s WHERE s.id = ANY(${ids}::uuid[]) AND s.deleted_at IS NULL ORDER BY s.id FOR UPDATE`

/** Locks existing incidents until commit, in id order as the single-record writers lock them. */
const lockIncidents = (ids: string[]) =>
  Prisma.sql`SELECT i.id FROM incidents i WHERE i.id = ANY(${ids}::uuid[]) AND i.deleted_at IS NULL ORDER BY i.id FOR UPDATE`

/** The ids of the records the lines create (not those they rewrite). */
export const createdIds = (lines: Line[]) => new Set(lines.filter((l) => !l.existing).map((l) => l.id))

const lockReports = (ids: string[]) =>
  Prisma.sql`SELECT r.id FROM casualty_reports r WHERE r.id = ANY(${ids}::uuid[]) AND r.deleted_at IS NULL ORDER BY r.id FOR UPDATE`

export async function loadFacts (client: pg.ClientBase, lines: Line[]): Promise<Facts> {
  const inFile = createdIds(lines)
  const rewrittenIds = lines.filter((l) => l.entity === 'casualtyReport' && l.existing).map((l) => l.id).sort()
  let rewritten: ReportRow[] = []
  const [{ now }] = await rawRows<{ now: Date }>(client, Prisma.sql`SELECT now() AS now`)
  const touched = touchedIncidents(lines, inFile)
  const citedIds = citedStatements(lines, inFile)
  let cited: StatementRow[] = []
  const wanted = Object.fromEntries(referencedKinds.map((k) => [k, new Set<string>()])) as Record<Referenced, Set<string>>
  for (const line of lines) for (const r of lineReferences(line)) if (!inFile.has(r.id)) wanted[r.kind].add(r.id)
  // In the global lock order, as the single-record writers take them (docs/architecture.md, "Lock order"):
  // the incidents whose roll-up the import rewrites FOR UPDATE (their reports and denials, read below,
  // cannot change before commit), everything referenced FOR SHARE (not deleted or merged before commit).
  let incidents: IncidentRow[] = []
  const live = {} as Facts['live']
  for (const kind of referenceLockOrder) {
    if (kind === 'statement' && citedIds.length > 0) {
      await rawRows(client, lockStatements(citedIds))
      cited = await rawRows<StatementRow>(client, Prisma.sql`SELECT ${statementRowSql} FROM statements s WHERE s.id = ANY(${citedIds}::uuid[]) AND s.deleted_at IS NULL`)
    }
    if (kind === 'incident' && touched.length > 0) {
      await rawRows(client, lockIncidents(touched))
      // Statements of their own, after the lock: a SELECT … FOR UPDATE that waited for a writer re-reads
      // the row it locked, but not its links (e.g. the roles an actor merge just replaced).
      incidents = await loadIncidentRows(client, touched)
    }
    if (kind === 'incident' && rewrittenIds.length > 0) {
      await rawRows(client, lockReports(rewrittenIds))
      rewritten = await rawRows<ReportRow>(client, Prisma.sql`SELECT ${reportRowSql} FROM casualty_reports r WHERE r.id = ANY(${rewrittenIds}::uuid[]) AND r.deleted_at IS NULL`)
    }
    const ids = [...wanted[kind]]
    const rows = ids.length === 0 ? [] : await rawRows<LiveRow>(client, liveSql(kind, ids))
    live[kind] = new Map(rows.map((r) => [r.id, r.merged]))
  }
  const lockedIds = incidents.map((i) => i.id)

  const names = [...new Set(lines.filter((l) => l.entity === 'actor').flatMap((l) => [actorOf(l).name, ...actorOf(l).aliases]))]
  const nameRows = names.length === 0
    ? []
    : await rawRows<{ name: string, key: string, id: string | null, holder: string | null, held: string | null }>(client, Prisma.sql`
      SELECT x.name, sitrep_name_key(x.name) AS key, h.id, h.holder, h.held
      FROM unnest(${names}::text[]) AS x(name)
      LEFT JOIN LATERAL (SELECT a.id::text, a.name AS holder, n.name AS held FROM actor_names n JOIN actors a ON a.id = n.actor_id
        WHERE n.key = sitrep_name_key(x.name) LIMIT 1) h ON true`)

  const urls = [...new Set(lines.filter((l) => l.entity === 'source').map((l) => normaliseUrl(sourceOf(l).url)!))]
  const urlRows = urls.length === 0
    ? []
    : await rawRows<{ id: string, url: string }>(client, Prisma.sql`SELECT id::text, url FROM sources WHERE url = ANY(${urls}::text[]) AND deleted_at IS NULL`)

  const wantedIds = { acled: [] as string[], ucdp: [] as string[], gdelt: [] as string[] }
  for (const l of lines) {
    if (l.entity !== 'incident') continue
    for (const [dataset, id] of Object.entries(incidentOf(l).externalIds)) if (id !== undefined) wantedIds[dataset as keyof typeof wantedIds].push(id)
  }
  const holders = Object.values(wantedIds).every((ids) => ids.length === 0) ? [] : await rawRows<ExternalIdHolder>(client, externalIdHoldersSql(wantedIds))

  let reports: ExistingReport[] = []
  let denials = new Map<string, LinkedDenial[]>()
  if (lockedIds.length > 0) {
    reports = await rawRows<ExistingReport>(client, Prisma.sql`
      SELECT id::text, incident_id::text AS "incidentId", reported_by_id::text AS "reportedById", affected_actor_id::text AS "affectedActorId", category::text, min, max, qualifier::text AS qualifier
      FROM casualty_reports WHERE incident_id = ANY(${lockedIds}::uuid[]) AND deleted_at IS NULL`)
    denials = await linkedDenials(client, lockedIds)
  }

  return {
    now,
    live,
    names: new Map(nameRows.map((r) => [r.name, { key: r.key, holder: r.id ? { id: r.id, name: r.holder!, held: r.held! } : null }])),
    urls: new Map(urlRows.map((r) => [r.url, r.id])),
    externalIds: new Map(holders.map((h) => [`${h.dataset}:${h.externalId}`, h])),
    incidents: new Map(incidents.map((i) => [i.id, i])),
    reports,
    denials,
    cited: new Map(cited.map((s) => [s.id, s])),
    rewritten: new Map(rewritten.map((r) => [r.id, r]))
  }
}
