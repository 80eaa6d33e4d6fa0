import type pg from 'pg'
import { Problem, validationProblem, type FieldError } from '../../http/problems.ts'
import { isCheckViolation, isForeignKeyViolation, isTransientConflict, isUniqueViolation } from '../../db/errors.ts'
import { changeLogLockSql, insertChangesSql, type ChangeInput } from '../changes/repository.ts'
import { toActor } from '../actors/views.ts'
import { toSource } from '../sources/views.ts'
import { toIncident, type IncidentRow } from '../incidents/views.ts'
import { toCasualtyReport } from '../casualties/views.ts'
import { toStatement, type StatementRow } from '../statements/views.ts'
import { importEntities, type ImportEntity, type ImportResult } from './schemas.ts'
import { orderLines, parseLines, type Line } from './lines.ts'
import { dropUnchanged, incidentViews, reportViews } from './rewrites.ts'
import { loadFacts } from './facts.ts'
import { judge } from './judge.ts'
import { linkCitedStatements, relationErrors } from './relations.ts'
import { settleRollUps } from './rollups.ts'
import { inBatches, tableWrites } from './write.ts'
import { runWrites, type Write } from './sql.ts'
import { rawRows } from '../../db/rows.ts'
import { assertClaimHeld, lockClaimSql, markAppliedSql, pendingClaim } from '../../db/idempotency.ts'

export interface ImportOptions {
  dryRun?: boolean
  keyName: string | null
  /** Called as records are written (done, total). */
  onProgress?: (done: number, total: number) => void
}

const views: Record<ImportEntity, (row: any) => object> = {
  actor: toActor, source: toSource, incident: toIncident, casualtyReport: toCasualtyReport, statement: toStatement
}

type Logged = { entity: ImportEntity, row: { id: string } } | { before: IncidentRow, after: IncidentRow } | { statement: { before: StatementRow, after: StatementRow } }
  | { rewrite: 'incident' | 'casualtyReport', before: object, after: { id: string, version: number } }

/** A record's change-log entry: 'created' with its snapshot, or 'updated' for an existing incident whose roll-up changed. */
function changeOf (item: Logged, keyName: string | null): ChangeInput {
  if ('rewrite' in item) return { entity: item.rewrite, id: item.after.id, action: 'updated', version: item.after.version, before: item.before, after: item.after, keyName }
  if ('statement' in item) {
    const { before, after } = item.statement
    return { entity: 'statement', id: after.id, action: 'updated', version: after.version, before: toStatement(before), after: toStatement(after), keyName }
  }
  if ('row' in item) return { entity: item.entity, id: item.row.id, action: 'created', version: 1, before: null, after: views[item.entity](item.row), keyName }
  return { entity: 'incident', id: item.after.id, action: 'updated', version: item.after.version, before: toIncident(item.before), after: toIncident(item.after), keyName }
}

/** The change log's writes: the lock, then the entries in judging order, their snapshots built batch by batch. */
function logWrites (items: Logged[], keyName: string | null): Write[] {
  if (items.length === 0) return []
  return [
    { build: () => changeLogLockSql },
    ...inBatches(items).map((batch) => ({ build: () => insertChangesSql(batch.map((item) => changeOf(item, keyName))) }))
  ]
}

/**
 * The bulk import of API.md §3: all lines or none, in one transaction on a connection of its own.
 * Lines are validated with the create schemas and judged with the repositories' own rules against
 * what the database holds (read in a constant number of queries), then written table by table, one
 * statement per batch of rows, with one change-log entry per record; see README "Import".
 */
export async function runImport (pool: pg.Pool, text: string, opts: ImportOptions): Promise<ImportResult> {
  const parsed = parseLines(text)
  return importLines(pool, async () => parsed, opts)
}

/** What an import writes: its records, or every error found in them. */
export interface Prepared { lines: Line[], errors: FieldError[] }

/**
 * The import of records that `prepare` gives, run inside the import's transaction (a dataset import
 * looks up the records it finds again there): the same checks, writes and change log as the NDJSON import.
 */
export async function importLines (pool: pg.Pool, prepare: (client: pg.ClientBase) => Promise<Prepared>, opts: ImportOptions): Promise<ImportResult> {
  const zero = () => Object.fromEntries(importEntities.map((e) => [e, 0])) as ImportResult['created']
  const created = zero()
  const updated = zero()
  const refs: Record<string, string> = {}
  const result: ImportResult = { dryRun: opts.dryRun ?? false, created, updated, unchanged: 0, refs }
  const claim = pendingClaim()
  const client = await pool.connect()
  let broken = false
  try {
    // A large file takes longer per statement than the pool's guard against runaway reads allows,
    // and its rows, read by json_to_recordset, would spill to temporary files with the default work_mem.
    await client.query("BEGIN; SET LOCAL statement_timeout = '10min'; SET LOCAL work_mem = '256MB'")
    // The Idempotency-Key's row, locked for the whole import (an import can outlive the key's
    // abandonment lease) and marked applied with the answer in the same transaction: see writeTransaction.
    if (claim) assertClaimHeld(claim, await rawRows(client, lockClaimSql(claim)))
    const { lines, errors } = await prepare(client)
    const ordered = orderLines(lines, (line, message) => errors.push({ in: 'body', line, path: 'ref', message }))
    if (errors.length > 0) throw importProblem(errors)
    for (const line of lines) if (line.ref) refs[line.ref] = line.id
    const facts = await loadFacts(client, ordered)
    const judged = judge(ordered, facts)
    judged.errors.push(...relationErrors(judged.accepted.incidents, ordered))
    if (judged.errors.length > 0) throw importProblem(judged.errors)
    linkCitedStatements(judged.accepted, facts)
    const { changed, flipped } = settleRollUps(judged.accepted, facts)
    result.unchanged = dropUnchanged(judged.accepted)
    const { rewrites } = judged.accepted
    const rewritten: Logged[] = [
      ...rewrites.incidents.map((r) => ({ rewrite: 'incident' as const, ...incidentViews(r) })),
      ...rewrites.reports.map((r) => ({ rewrite: 'casualtyReport' as const, ...reportViews(r) }))
    ]
    await runWrites(client, [
      ...tableWrites(judged.accepted, changed.map((c) => c.after), flipped, (done) => opts.onProgress?.(done, ordered.length)),
      ...logWrites([...judged.accepted.order, ...rewritten, ...judged.accepted.linkedStatements.map((statement) => ({ statement })), ...changed], opts.keyName)
    ])
    for (const { entity } of judged.accepted.order) created[entity]++
    updated.incident = rewrites.incidents.length
    updated.casualtyReport = rewrites.reports.length
    if (claim && !opts.dryRun) {
      await rawRows(client, markAppliedSql(claim, { answer: { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(result) } }))
    }
    await client.query(opts.dryRun ? 'ROLLBACK' : 'COMMIT')
    if (claim && !opts.dryRun) claim.applied = true
  } catch (err) {
    await client.query('ROLLBACK').catch(() => { broken = true })
    throw asProblem(err)
  } finally {
    // A connection that cannot even roll back is closed rather than returned to the pool.
    client.release(broken)
  }
  return result
}

/**
 * The database's constraints stay the last word: a write that committed while the import ran
 * (an actor name, a source URL) can still clash with a line that passed the checks.
 */
function asProblem (err: unknown) {
  if (err instanceof Problem) return err
  if (isUniqueViolation(err)) {
    return new Problem('conflict', 'A name, URL or casualty figure in the import was taken by a write that committed while the import ran; nothing was written. Import again to see which line.')
  }
  if (isForeignKeyViolation(err)) return new Problem('conflict', 'A record the import refers to changed while the import ran; nothing was written. Import again.')
  if (isCheckViolation(err)) return validationProblem([{ in: 'body', path: '', message: 'a value breaks a data rule of the database; nothing was written' }])
  // The import takes its locks in the global order (docs/architecture.md, "Lock order"), so this is a
  // backstop; answered as writeTransaction answers it once its retries are spent. Not run again here:
  // a large import is minutes of work, and the client holds the body anyway.
  if (isTransientConflict(err)) {
    return new Problem('unavailable', 'The import collided with concurrent writes to the same records; nothing was written. Retry shortly.', {}, { 'retry-after': '1' })
  }
  return err
}

function importProblem (errors: FieldError[]) {
  const lines = new Set(errors.map((e) => e.line)).size
  return validationProblem(errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), `${lines} line(s) are invalid; nothing was written`)
}
