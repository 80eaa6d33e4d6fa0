import type pg from 'pg'
import { Problem, validationProblem, type FieldError } from '../../http/problems.ts'
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation } from '../../db/errors.ts'
import { recordChangesSql, type ChangeInput } from '../changes/repository.ts'
import { toActor } from '../actors/repository.ts'
import { toSource } from '../sources/repository.ts'
import { toIncident } from '../incidents/repository.ts'
import { toCasualtyReport } from '../casualties/repository.ts'
import { toStatement } from '../statements/repository.ts'
import { importEntities, type ImportEntity, type ImportResult } from './schemas.ts'
import { orderLines, parseLines } from './lines.ts'
import { loadFacts } from './facts.ts'
import { judge, type Accepted } from './judge.ts'
import { settleRollUps } from './rollups.ts'
import { writeAccepted } from './write.ts'
import { StatementChain } from './sql.ts'

export interface ImportOptions {
  dryRun?: boolean
  keyName: string | null
  /** Called as records are written (done, total). */
  onProgress?: (done: number, total: number) => void
}

const views: Record<ImportEntity, (row: any) => object> = {
  actor: toActor, source: toSource, incident: toIncident, casualtyReport: toCasualtyReport, statement: toStatement
}

/** One 'created' entry per record, in judging order, then one 'updated' entry per existing incident whose roll-up changed. */
function changesOf (accepted: Accepted, changed: ReturnType<typeof settleRollUps>, keyName: string | null): ChangeInput[] {
  return [
    ...accepted.order.map(({ entity, row }): ChangeInput =>
      ({ entity, id: row.id, action: 'created', version: 1, before: null, after: views[entity](row), keyName })),
    ...changed.map(({ before, after }): ChangeInput =>
      ({ entity: 'incident', id: after.id, action: 'updated', version: after.version, before: toIncident(before), after: toIncident(after), keyName }))
  ]
}

/**
 * The bulk import of API.md §3: all lines or none, in one transaction. Lines are validated with the
 * create schemas and judged with the repositories' own rules against what the database holds (read
 * in a constant number of queries), then written table by table in one statement each, with one
 * change-log entry per record; see README "Import".
 */
export async function runImport (pool: pg.Pool, text: string, opts: ImportOptions): Promise<ImportResult> {
  const { lines, errors } = parseLines(text)
  const ordered = orderLines(lines, (line, message) => errors.push({ in: 'body', line, path: 'ref', message }))
  if (errors.length > 0) throw importProblem(errors)

  const created = Object.fromEntries(importEntities.map((e) => [e, 0])) as ImportResult['created']
  const client = await pool.connect()
  let broken = false
  try {
    // A large file takes longer per statement than the pool's guard against runaway reads allows,
    // and its rows, read by json_to_recordset, would spill to temporary files with the default work_mem.
    await client.query("BEGIN; SET LOCAL statement_timeout = '10min'; SET LOCAL work_mem = '256MB'")
    const facts = await loadFacts(client, ordered)
    const judged = judge(ordered, facts)
    if (judged.errors.length > 0) throw importProblem(judged.errors)
    const changed = settleRollUps(judged.accepted, facts)
    const chain = new StatementChain(client)
    writeAccepted(chain, judged.accepted, changed.map((c) => c.after), (done) => opts.onProgress?.(done, ordered.length))
    // The snapshots are built while PostgreSQL writes the tables.
    for (const sql of recordChangesSql(changesOf(judged.accepted, changed, opts.keyName))) chain.send(sql)
    await chain.done()
    for (const { entity } of judged.accepted.order) created[entity]++
    await client.query(opts.dryRun ? 'ROLLBACK' : 'COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => { broken = true })
    throw asProblem(err)
  } finally {
    // A connection that cannot even roll back is closed rather than returned to the pool.
    client.release(broken)
  }
  const refs: Record<string, string> = {}
  for (const line of lines) if (line.ref) refs[line.ref] = line.id
  return { dryRun: opts.dryRun ?? false, created, refs }
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
  return err
}

function importProblem (errors: FieldError[]) {
  const lines = new Set(errors.map((e) => e.line)).size
  return validationProblem(errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), `${lines} line(s) are invalid; nothing was written`)
}
