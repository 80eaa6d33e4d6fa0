import { uuidv7 } from 'uuidv7'
import type { FieldError } from '../../http/problems.ts'
import { figureProblem } from '../casualties/rules.ts'
import { dataSchemas, importEntities, lineSchema, referenceFields, type ImportEntity } from './schemas.ts'
import { findUnstorable } from '../../http/unicode.ts'

/**
 * One record of an import: its number, the id it will get, its data (refs replaced by ids) and the
 * lines it depends on. `at` is the line of the file it came from when that is not `n` (a CSV row
 * becomes several records); `existing` marks a record that rewrites the live record `id`
 * (an incident or casualty report a dataset import finds again) instead of creating one.
 */
export interface Line {
  n: number
  entity: ImportEntity
  ref?: string
  id: string
  data: Record<string, unknown>
  deps: Set<number>
  at?: number
  existing?: true
}

/** The line of the file a record is reported on. */
export const lineOf = (line: Pick<Line, 'n' | 'at'>) => line.at ?? line.n

/** A record to import as a file line would give it, before its refs are resolved and its data checked. */
export interface RawRecord { n: number, at?: number, entity: ImportEntity, ref?: string, id?: string, existing?: true, data: Record<string, unknown> }

const isRef = (v: unknown): v is { ref: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { ref: unknown }).ref === 'string'

const fieldPaths = Object.fromEntries(importEntities.map((e) => [e, referenceFields[e].map((f) => ({ keys: f.path.split('.'), kind: f.kind, loose: f.loose }))]))

/**
 * Calls visit(holder, key, at) for every value at a path like `actors.*.actorId` (`at` holds the
 * concrete path's parts, valid during the call), so that a ref can be replaced where it stands.
 */
function eachAt (node: unknown, keys: string[], i: number, at: string[], visit: (holder: any, key: string | number, at: string[]) => void) {
  if (typeof node !== 'object' || node === null) return
  const key = keys[i]
  const last = i === keys.length - 1
  if (key === '*') {
    if (!Array.isArray(node)) return
    for (let j = 0; j < node.length; j++) {
      at.push(String(j))
      if (last) visit(node, j, at)
      else eachAt(node[j], keys, i + 1, at, visit)
      at.pop()
    }
  } else if (key in node) {
    at.push(key)
    if (last) visit(node, key, at)
    else eachAt((node as Record<string, unknown>)[key], keys, i + 1, at, visit)
    at.pop()
  }
}

/** Parses NDJSON, then resolves refs and validates every line against the create schemas; collects every error. */
export function parseLines (text: string) {
  const errors: FieldError[] = []
  const records: RawRecord[] = []
  text.split('\n').forEach((raw, i) => {
    const n = i + 1
    if (!/\S/.test(raw)) return
    const fail = (path: string, message: string) => errors.push({ in: 'body', line: n, path, message })
    let json: unknown
    try { json = JSON.parse(raw) } catch { return fail('', 'not valid JSON') }
    const unstorable = findUnstorable(json)
    if (unstorable) return fail(unstorable.path, unstorable.message)
    const parsed = lineSchema.safeParse(json)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) fail(issue.path.join('.'), issue.message)
      return
    }
    records.push({ n, ...parsed.data })
  })
  if (records.length === 0 && errors.length === 0) errors.push({ in: 'body', line: 1, path: '', message: 'the body has no lines' })
  const checked = checkRecords(records)
  return { lines: checked.lines, errors: [...errors, ...checked.errors] }
}

/** Resolves refs and validates every record against the create schemas; collects every error. */
export function checkRecords (records: RawRecord[]) {
  const errors: FieldError[] = []
  const lines: Line[] = []
  const byRef = new Map<string, Line>()
  for (const record of records) {
    const line: Line = { n: record.n, entity: record.entity, ref: record.ref, id: record.id ?? uuidv7(), data: record.data, deps: new Set() }
    if (record.at !== undefined) line.at = record.at
    if (record.existing) line.existing = true
    if (line.ref !== undefined) {
      const first = byRef.get(line.ref)
      if (first) {
        errors.push({ in: 'body', line: lineOf(line), path: 'ref', message: `ref "${line.ref}" is already used by line ${lineOf(first)}` })
        continue
      }
      byRef.set(line.ref, line)
    }
    lines.push(line)
  }

  for (const line of lines) {
    const before = errors.length
    const fail = (path: string, message: string) => errors.push({ in: 'body', line: lineOf(line), path, message })
    for (const field of fieldPaths[line.entity]) {
      eachAt(line.data, field.keys, 0, [], (holder, key, at) => {
        const value = holder[key]
        if (!isRef(value)) return
        const target = byRef.get(value.ref)
        if (!target) return fail(`data.${at.join('.')}`, `no line has ref "${value.ref}"`)
        if (target.entity !== field.kind) return fail(`data.${at.join('.')}`, `ref "${value.ref}" is a ${target.entity}, not a ${field.kind}`)
        if (!field.loose) line.deps.add(target.n)
        holder[key] = target.id
      })
    }
    // An unresolved ref would only repeat itself as a type error.
    if (errors.length > before) continue
    const checked = dataSchemas[line.entity].safeParse(line.data)
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]
        for (const k of keys) fail(['data', ...k].join('.'), issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message)
      }
      continue
    }
    line.data = checked.data as Record<string, unknown>
    if (line.entity === 'casualtyReport') {
      const figure = figureProblem(line.data as unknown as Parameters<typeof figureProblem>[0])
      if (figure) fail(`data.${figure.path}`, figure.message)
    }
  }
  return { lines, errors }
}

/** A binary min-heap of lines by rank. */
class ReadyLines {
  private readonly heap: Line[] = []
  constructor (private readonly rank: (l: Line) => number) {}
  get size () { return this.heap.length }

  push (line: Line) {
    const h = this.heap
    let i = h.push(line) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.rank(h[parent]) <= this.rank(h[i])) break
      ;[h[parent], h[i]] = [h[i], h[parent]]
      i = parent
    }
  }

  pop (): Line {
    const h = this.heap
    const top = h[0]
    const last = h.pop()!
    if (h.length > 0) {
      h[0] = last
      for (let i = 0; ;) {
        const l = 2 * i + 1
        const r = l + 1
        let min = i
        if (l < h.length && this.rank(h[l]) < this.rank(h[min])) min = l
        if (r < h.length && this.rank(h[r]) < this.rank(h[min])) min = r
        if (min === i) break
        ;[h[min], h[i]] = [h[i], h[min]]
        i = min
      }
    }
    return top
  }
}

/**
 * Dependencies first (a parent before its members, an incident before its figures); lines in a
 * cycle are errors. This is the order in which lines are judged and written: when two lines clash
 * (the same name, URL or figure), the earlier one in it stands and the later one is refused.
 */
export function orderLines (lines: Line[], fail: (line: number, message: string) => void): Line[] {
  // Kahn's algorithm; among ready lines, entity order then file order keeps the output predictable.
  const ready = new ReadyLines((l) => importEntities.indexOf(l.entity) * 1e9 + l.n)
  const dependents = new Map<number, Line[]>()
  const waiting = new Map<number, number>()
  for (const line of lines) {
    waiting.set(line.n, line.deps.size)
    for (const d of line.deps) {
      const list = dependents.get(d)
      if (list) list.push(line)
      else dependents.set(d, [line])
    }
    if (line.deps.size === 0) ready.push(line)
  }
  const ordered: Line[] = []
  while (ready.size > 0) {
    const line = ready.pop()
    ordered.push(line)
    for (const d of dependents.get(line.n) ?? []) {
      const left = waiting.get(d.n)! - 1
      waiting.set(d.n, left)
      if (left === 0) ready.push(d)
    }
  }
  for (const line of lines) if (waiting.get(line.n)! > 0) fail(lineOf(line), 'its refs form a cycle')
  return ordered
}
