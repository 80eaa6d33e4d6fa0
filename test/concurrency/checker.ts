import { isDeepStrictEqual } from 'node:util'
import pg from 'pg'
import type { Db } from '../../src/db/client.ts'
import { derivedColumns, sameDerived, type DerivedColumns } from '../../src/modules/casualties/rules.ts'
import { toActor } from '../../src/modules/actors/views.ts'
import { toSource } from '../../src/modules/sources/views.ts'
import { findIncident, linkedDenials, loadIncidentRows, toIncident } from '../../src/modules/incidents/views.ts'
import { flippedRoles } from '../../src/modules/casualties/derived.ts'
import { toCasualtyReport } from '../../src/modules/casualties/views.ts'
import { findStatement, toStatement } from '../../src/modules/statements/views.ts'
import type { Entity } from '../../src/modules/changes/repository.ts'

// The invariants of issue 12 item 7, read straight from the database after a concurrent run.

export const countStatuses = (results: Array<{ status: number }>) => {
  const counts: Record<number, number> = {}
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1
  return counts
}

async function withClient<T> (url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Live records that point at an actor that is deleted or merged (a merged actor's own links excepted: it keeps its history). */
export const liveReferencesToDeadActors = (url: string) => withClient(url, async (c) => (await c.query<{ entity: string, id: string, actor: string }>(`
  WITH dead AS (SELECT id FROM actors WHERE deleted_at IS NOT NULL OR merged_into_id IS NOT NULL)
  SELECT 'incident' AS entity, i.id::text, l.actor_id::text AS actor FROM incident_actors l JOIN incidents i ON i.id = l.incident_id
    WHERE i.deleted_at IS NULL AND l.actor_id IN (SELECT id FROM dead)
  UNION ALL SELECT 'casualtyReport', c.id::text, c.reported_by_id::text FROM casualty_reports c
    WHERE c.deleted_at IS NULL AND c.reported_by_id IN (SELECT id FROM dead)
  UNION ALL SELECT 'statement', s.id::text, s.speaker_id::text FROM statements s WHERE s.deleted_at IS NULL AND s.speaker_id IN (SELECT id FROM dead)
  UNION ALL SELECT 'statement', s.id::text, l.actor_id::text FROM statement_about_actors l JOIN statements s ON s.id = l.statement_id
    WHERE s.deleted_at IS NULL AND l.actor_id IN (SELECT id FROM dead)
  UNION ALL SELECT 'actor', a.id::text, a.parent_id::text FROM actors a
    WHERE a.deleted_at IS NULL AND a.merged_into_id IS NULL AND a.parent_id IN (SELECT id FROM dead)
  UNION ALL SELECT 'actor', a.id::text, a.merged_into_id::text FROM actors a
    WHERE a.deleted_at IS NULL AND a.merged_into_id IN (SELECT id FROM dead)`)).rows)

/** Actors whose parent chain loops back to themselves. */
export const parentCycles = (url: string) => withClient(url, async (c) => (await c.query<{ id: string }>(`
  WITH RECURSIVE up(start, id, depth) AS (
    SELECT id, parent_id, 1 FROM actors WHERE parent_id IS NOT NULL
    UNION ALL SELECT up.start, a.parent_id, up.depth + 1 FROM up JOIN actors a ON a.id = up.id WHERE a.parent_id IS NOT NULL AND up.depth < 100)
  SELECT DISTINCT start::text AS id FROM up WHERE id = start`)).rows.map((r) => r.id))

/** Incidents whose stored fatalities, contested flag or disputed roles differ from their recomputation from the live reports and denials. */
export async function rollUpMismatches (url: string) {
  return withClient(url, async (c) => {
    const incidents = (await c.query<DerivedColumns & { id: string }>(`SELECT id::text, fatalities_low AS "fatalitiesLow",
      fatalities_best AS "fatalitiesBest", fatalities_high AS "fatalitiesHigh", contested FROM incidents WHERE deleted_at IS NULL`)).rows
    const killed = (await c.query<{ incidentId: string, min: number, max: number | null, qualifier: 'exact' }>(`SELECT incident_id::text AS "incidentId",
      min, max, qualifier::text FROM casualty_reports WHERE deleted_at IS NULL AND category = 'killed'`)).rows
    const denied = new Set((await c.query<{ id: string }>(`SELECT DISTINCT l.incident_id::text AS id FROM statement_incidents l
      JOIN statements s ON s.id = l.statement_id WHERE s.deleted_at IS NULL AND s.kind = 'denial'`)).rows.map((r) => r.id))
    // Roles whose stored `disputed` differs from the rule (incidents/rules.ts isDisputed) applied to the live denials linked.
    const rows = await loadIncidentRows(c, incidents.map((i) => i.id))
    const denials = await linkedDenials(c, rows.map((i) => i.id))
    const rolesOff = new Set(rows.filter((i) => flippedRoles([i], denials).length > 0).map((i) => i.id))
    return incidents.filter((i) => rolesOff.has(i.id) || !sameDerived(i, derivedColumns(killed.filter((k) => k.incidentId === i.id), denied.has(i.id)))).map((i) => i.id)
  })
}

/** A 2xx write the client saw: what the change log must hold exactly once. */
export interface SeenWrite {
  entity: Entity
  id: string
  action: 'created' | 'updated' | 'deleted'
  /** the version the write produced (unknown for a 204) */
  version?: number
  /** the If-Match version the client sent: the change must have been made from exactly that version */
  from?: number
  /** fields the client set, which the change's `after` must show */
  fields?: Record<string, unknown>
}

interface ChangeRow { seq: string, entity: Entity, id: string, action: SeenWrite['action'], version: number, before: any, after: any }

/** The current view of every record, as the API builds it, by entity and id (merged actors included, deleted records absent). */
async function currentViews (db: Db) {
  const views = new Map<string, object>()
  for (const a of await db.actor.findMany({ where: { deletedAt: null } })) views.set(`actor/${a.id}`, toActor(a))
  for (const s of await db.source.findMany({ where: { deletedAt: null } })) views.set(`source/${s.id}`, toSource(s))
  for (const { id } of await db.incident.findMany({ where: { deletedAt: null }, select: { id: true } })) views.set(`incident/${id}`, toIncident(await findIncident(db, id)))
  for (const r of await db.casualtyReport.findMany({ where: { deletedAt: null }, include: { sources: { orderBy: { position: 'asc' } } } })) {
    views.set(`casualtyReport/${r.id}`, toCasualtyReport(r))
  }
  for (const { id } of await db.statement.findMany({ where: { deletedAt: null }, select: { id: true } })) views.set(`statement/${id}`, toStatement(await findStatement(db, id)))
  return views
}

export interface Report {
  /** 2xx writes missing from the log, found twice, or applied over another version than the client's If-Match */
  lostWrites: string[]
  /** records whose log does not run 1, 2, 3… with each change's `before` equal to the previous `after` */
  brokenHistories: string[]
  /** records whose last logged state is not their current state */
  replayMismatches: string[]
  rollUpMismatches: string[]
  deadReferences: Array<{ entity: string, id: string, actor: string }>
  parentCycles: string[]
}

/** The top-level fields in which two snapshots differ, as `field: a → b`. */
function differences (a: Record<string, unknown> | null, b: Record<string, unknown> | null) {
  const fields = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])
  return [...fields].filter((f) => !isDeepStrictEqual(a?.[f], b?.[f])).map((f) => `${f}: ${JSON.stringify(a?.[f])} → ${JSON.stringify(b?.[f])}`).join('; ')
}

/** Every invariant of the concurrency suite; each list must come back empty. */
export async function check (url: string, db: Db, seen: SeenWrite[]): Promise<Report> {
  const changes = await withClient(url, async (c) => (await c.query<ChangeRow>(
    'SELECT c.seq::text, c.entity::text, c.entity_id::text AS id, c.action::text, c.version, c.before, c.after FROM changes c ORDER BY c.seq')).rows)
  const byRecord = new Map<string, ChangeRow[]>()
  for (const ch of changes) {
    const key = `${ch.entity}/${ch.id}`
    byRecord.set(key, [...(byRecord.get(key) ?? []), ch])
  }

  const lostWrites: string[] = []
  for (const w of seen) {
    const key = `${w.entity}/${w.id}`
    const hits = (byRecord.get(key) ?? []).filter((ch) => ch.action === w.action && (w.version === undefined || ch.version === w.version))
    if (hits.length !== 1) { lostWrites.push(`${key} ${w.action} v${w.version ?? '?'}: logged ${hits.length} times`); continue }
    const [hit] = hits
    if (w.from !== undefined && hit.before?.version !== w.from) lostWrites.push(`${key} v${hit.version}: If-Match "${w.from}" but applied over v${hit.before?.version}`)
    // Made from a stale copy: whatever the change before it wrote is overwritten.
    const log = byRecord.get(key)!
    const previous = log[log.indexOf(hit) - 1]
    if (previous && hit.before && !isDeepStrictEqual(hit.before, previous.after)) {
      lostWrites.push(`${key} v${hit.version}: made from v${hit.before.version} as it was before v${previous.version}, which it overwrote`)
    }
    for (const [field, value] of Object.entries(w.fields ?? {})) {
      if (!isDeepStrictEqual(hit.after?.[field], value)) lostWrites.push(`${key} v${hit.version}: ${field} sent ${JSON.stringify(value)}, logged ${JSON.stringify(hit.after?.[field])}`)
    }
  }

  const brokenHistories: string[] = []
  const replayMismatches: string[] = []
  const views = await currentViews(db)
  for (const [key, log] of byRecord) {
    log.forEach((ch, n) => {
      if (ch.version !== n + 1) brokenHistories.push(`${key}: change ${n + 1} has version ${ch.version}`)
      else if (n > 0 && !isDeepStrictEqual(ch.before, log[n - 1].after)) brokenHistories.push(`${key}: v${ch.version}'s before is not v${n}'s after (${differences(log[n - 1].after, ch.before)})`)
    })
    const last = log[log.length - 1]
    const now = views.get(key)
    if (last.action === 'deleted' ? now !== undefined : !isDeepStrictEqual(JSON.parse(JSON.stringify(now ?? null)), last.after)) {
      replayMismatches.push(`${key}: log ends at v${last.version} ${last.action}, record is ${JSON.stringify(now ?? 'deleted')}`)
    }
  }
  for (const key of views.keys()) if (!byRecord.has(key)) replayMismatches.push(`${key}: in the database, not in the log`)

  return {
    lostWrites,
    brokenHistories,
    replayMismatches,
    rollUpMismatches: await rollUpMismatches(url),
    deadReferences: await liveReferencesToDeadActors(url),
    parentCycles: await parentCycles(url)
  }
}
