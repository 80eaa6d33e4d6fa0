import { uuidv7 } from 'uuidv7'
import type { Db, Tx } from '../../plugins/database.ts'
import { Problem, validationProblem, type FieldError } from '../../http/problems.ts'
import { createActorRepository } from '../actors/repository.ts'
import { createSourceRepository } from '../sources/repository.ts'
import { createIncidentRepository } from '../incidents/repository.ts'
import { createCasualtyRepository } from '../casualties/repository.ts'
import { createStatementRepository } from '../statements/repository.ts'
import { figureProblem } from '../casualties/rollup.ts'
import { dataSchemas, importEntities, lineSchema, referenceFields, type ImportEntity, type ImportResult } from './schemas.ts'

interface Line { n: number, entity: ImportEntity, ref?: string, id: string, data: Record<string, unknown>, deps: Set<number> }

export interface ImportOptions {
  dryRun?: boolean
  keyName: string | null
  /** Called as lines are written (done, total). */
  onProgress?: (done: number, total: number) => void
}

class DryRunRollback extends Error {}

const isRef = (v: unknown): v is { ref: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { ref: unknown }).ref === 'string'

/** Every value at a path like `actors.*.actorId`, with its concrete path. */
function valuesAt (data: unknown, path: string[], at: string[] = []): Array<{ value: unknown, path: string }> {
  if (path.length === 0) return [{ value: data, path: at.join('.') }]
  const [head, ...rest] = path
  if (head === '*') return Array.isArray(data) ? data.flatMap((item, i) => valuesAt(item, rest, [...at, String(i)])) : []
  if (typeof data !== 'object' || data === null || !(head in data)) return []
  return valuesAt((data as Record<string, unknown>)[head], rest, [...at, head])
}

function setAt (data: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.')
  let node: any = data
  for (const k of keys.slice(0, -1)) node = node[k]
  node[keys[keys.length - 1]] = value
}

/** Parses, resolves refs and validates every line against the create schemas; collects every error. */
function prepare (text: string) {
  const errors: FieldError[] = []
  const fail = (line: number, path: string, message: string) => errors.push({ in: 'body', line, path, message })
  const lines: Line[] = []
  const byRef = new Map<string, Line>()
  text.split('\n').forEach((raw, i) => {
    const n = i + 1
    if (raw.trim() === '') return
    let json: unknown
    try { json = JSON.parse(raw) } catch { return fail(n, '', 'not valid JSON') }
    const parsed = lineSchema.safeParse(json)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) fail(n, issue.path.join('.'), issue.message)
      return
    }
    const line: Line = { n, entity: parsed.data.entity, ref: parsed.data.ref, id: uuidv7(), data: parsed.data.data, deps: new Set() }
    if (line.ref !== undefined) {
      const first = byRef.get(line.ref)
      if (first) return fail(n, 'ref', `ref "${line.ref}" is already used by line ${first.n}`)
      byRef.set(line.ref, line)
    }
    lines.push(line)
  })
  if (lines.length === 0 && errors.length === 0) fail(1, '', 'the body has no lines')

  for (const line of lines) {
    const before = errors.length
    for (const field of referenceFields[line.entity]) {
      for (const { value, path } of valuesAt(line.data, field.path.split('.'))) {
        if (!isRef(value)) continue
        const target = byRef.get(value.ref)
        if (!target) { fail(line.n, `data.${path}`, `no line has ref "${value.ref}"`); continue }
        if (target.entity !== field.kind) { fail(line.n, `data.${path}`, `ref "${value.ref}" is a ${target.entity}, not a ${field.kind}`); continue }
        line.deps.add(target.n)
        setAt(line.data, path, target.id)
      }
    }
    // An unresolved ref would only repeat itself as a type error.
    if (errors.length > before) continue
    const checked = dataSchemas[line.entity].safeParse(line.data)
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]
        for (const k of keys) fail(line.n, ['data', ...k].join('.'), issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message)
      }
      continue
    }
    line.data = checked.data as Record<string, unknown>
    if (line.entity === 'casualtyReport') {
      const figure = figureProblem(line.data as unknown as Parameters<typeof figureProblem>[0])
      if (figure) fail(line.n, `data.${figure.path}`, figure.message)
    }
  }
  return { lines, errors }
}

/** Dependencies first (a parent before its members, an incident before its figures); lines in a cycle are errors. */
function order (lines: Line[], fail: (line: number, message: string) => void): Line[] {
  // Kahn's algorithm; among ready lines, entity order then file order keeps the output predictable.
  const rank = (l: Line) => importEntities.indexOf(l.entity) * 1e9 + l.n
  const dependents = new Map<number, Line[]>()
  const waiting = new Map<number, number>()
  for (const line of lines) {
    waiting.set(line.n, line.deps.size)
    for (const d of line.deps) dependents.set(d, [...(dependents.get(d) ?? []), line])
  }
  const ready = lines.filter((l) => l.deps.size === 0).sort((a, b) => rank(a) - rank(b))
  const ordered: Line[] = []
  while (ready.length > 0) {
    const line = ready.shift()!
    ordered.push(line)
    const freed = (dependents.get(line.n) ?? []).filter((d) => {
      const left = waiting.get(d.n)! - 1
      waiting.set(d.n, left)
      return left === 0
    })
    if (freed.length > 0) ready.push(...freed)
    if (freed.length > 0) ready.sort((a, b) => rank(a) - rank(b))
  }
  for (const line of lines) if (waiting.get(line.n)! > 0) fail(line.n, 'its refs form a cycle')
  return ordered
}

/**
 * The bulk import of API.md §3: all lines or none. Lines go through the same schemas and
 * repositories as the single-record routes, inside one transaction, and write the change log.
 */
export async function runImport (db: Db, text: string, opts: ImportOptions): Promise<ImportResult> {
  const { lines, errors } = prepare(text)
  const ordered = order(lines, (line, message) => errors.push({ in: 'body', line, path: 'ref', message }))
  if (errors.length > 0) throw importProblem(errors)

  const created = Object.fromEntries(importEntities.map((e) => [e, 0])) as ImportResult['created']
  const refs: Record<string, string> = {}
  try {
    await db.$transaction(async (tx) => {
      const failed = await writeAll(tx, db, ordered, opts, created)
      if (failed.length > 0) throw importProblem(failed)
      if (opts.dryRun) throw new DryRunRollback()
    }, { timeout: 30 * 60_000, maxWait: 10_000 })
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err
  }
  for (const line of lines) if (line.ref) refs[line.ref] = line.id
  return { dryRun: opts.dryRun ?? false, created, refs }
}

async function writeAll (tx: Tx, db: Db, ordered: Line[], opts: ImportOptions, created: ImportResult['created']) {
  const repos = {
    actor: createActorRepository(db),
    source: createSourceRepository(db),
    incident: createIncidentRepository(db),
    casualtyReport: createCasualtyRepository(db),
    statement: createStatementRepository(db)
  }
  const failed: FieldError[] = []
  const broken = new Set<number>()
  for (const [i, line] of ordered.entries()) {
    const brokenDep = [...line.deps].find((d) => broken.has(d))
    if (brokenDep !== undefined) {
      broken.add(line.n)
      failed.push({ in: 'body', line: line.n, path: 'data', message: `depends on line ${brokenDep}, which failed` })
      continue
    }
    const write = { tx, id: line.id }
    const data = line.data as any
    try {
      switch (line.entity) {
        case 'actor': await repos.actor.create(data, opts.keyName, write); break
        case 'source': await repos.source.create(data, opts.keyName, write); break
        case 'incident': await repos.incident.create(data, opts.keyName, write); break
        case 'casualtyReport': {
          const { incidentId, ...report } = data
          await repos.casualtyReport.create(incidentId, report, opts.keyName, write)
          break
        }
        case 'statement': await repos.statement.create(data, opts.keyName, write); break
      }
      created[line.entity]++
    } catch (err) {
      // Our own checks throw before any statement fails, so the transaction stays usable and
      // later lines can still be checked; a database error ends the import.
      if (!(err instanceof Problem)) throw err
      broken.add(line.n)
      const details = err.extra.errors ?? [{ in: 'body' as const, path: '', message: err.message }]
      for (const e of details) failed.push({ in: 'body', line: line.n, path: e.path ? `data.${e.path}` : 'data', message: e.message })
    }
    opts.onProgress?.(i + 1, ordered.length)
  }
  return failed
}

function importProblem (errors: FieldError[]) {
  const lines = new Set(errors.map((e) => e.line)).size
  return validationProblem(errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), `${lines} line(s) are invalid; nothing was written`)
}
