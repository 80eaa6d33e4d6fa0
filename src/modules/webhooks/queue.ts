import type pg from 'pg'
import { uuidv7 } from 'uuidv7'
import { Prisma } from '../../generated/prisma/client.ts'
import { rawRows, type Int8 } from '../../db/rows.ts'
import { incidentConditions } from '../incidents/filters.ts'
import { eventTypeOf, matchesEvents, parseIncidentFilter } from './events.ts'

// The worker's SQL. Every step that picks work takes its rows FOR UPDATE SKIP LOCKED, so any number
// of API processes share the work and none takes what another holds.

interface Subscription { id: string, events: string[], filter: string | null, position: Int8 }
interface LoggedChange { seq: Int8, entity: string, entityId: string, action: string }

/** A delivery taken for an attempt, with its body. */
export interface ClaimedDelivery {
  id: string
  webhookId: string
  seq: Int8
  eventType: string
  retryStep: number
  body: string
}

async function inTransaction<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

/** The entities a subscription's incident filter judges: incidents, and the records about incidents, through theirs. */
const filtered = new Set(['incident', 'casualtyReport', 'statement'])

/**
 * The changes among `changes` (all of them incidents, casualty reports or statements) whose record
 * the filter matches, as `entity:id`: an incident when the list's own SQL conditions match it, a
 * casualty report when its incident matches, a statement when any incident it is about matches (one
 * about none never does). Incidents are judged as they stand (the list's condition that hides deleted
 * rows, the first one, is left out: a deleted incident is judged on its last state, so a subscriber
 * hears of the deletion of one it was told about, and of the reports and statements on it).
 */
async function matchingRecords (client: pg.PoolClient, filter: string, changes: LoggedChange[]): Promise<Set<string>> {
  const parsed = parseIncidentFilter(filter)
  // Checked when the subscription was written; a filter a later version no longer accepts matches nothing.
  if ('errors' in parsed) return new Set()
  const [, ...conditions] = incidentConditions(parsed.filters)
  const rows = await rawRows<{ key: string }>(client, Prisma.sql`
    WITH subject AS (SELECT DISTINCT * FROM unnest(${changes.map((c) => c.entity)}::text[], ${changes.map((c) => c.entityId)}::uuid[]) AS s(entity, id)),
    about AS (
      SELECT s.entity, s.id, s.id AS incident_id FROM subject s WHERE s.entity = 'incident'
      UNION ALL
      SELECT s.entity, s.id, r.incident_id FROM subject s JOIN casualty_reports r ON r.id = s.id WHERE s.entity = 'casualtyReport'
      UNION ALL
      SELECT s.entity, s.id, l.incident_id FROM subject s JOIN statement_incidents l ON l.statement_id = s.id WHERE s.entity = 'statement')
    SELECT DISTINCT a.entity || ':' || a.id AS key FROM about a JOIN incidents i ON i.id = a.incident_id
    ${conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty}`)
  return new Set(rows.map((r) => r.key))
}

/**
 * Turns the changes after each subscription's position into its deliveries, `batch` changes per
 * subscription at most, and moves the position past them. Returns how many subscriptions still have
 * changes to dispatch. The log's seq order is its commit order, so reading after the position never
 * skips a change that commits later.
 */
export async function dispatch (pool: pg.Pool, batch: number): Promise<number> {
  // Most polls find nothing to do: asked outside a transaction, they cost one index probe and leave
  // no transaction behind (every process polls every second, subscriptions or not).
  const [{ due }] = await rawRows<{ due: boolean }>(pool, Prisma.sql`SELECT EXISTS (SELECT FROM webhooks w
    WHERE w.enabled AND w.position < (SELECT coalesce(max(seq), 0) FROM changes)) AS due`)
  if (!due) return 0
  return inTransaction(pool, async (client) => {
    const subscriptions = await rawRows<Subscription>(client, Prisma.sql`
      SELECT w.id::text, w.events, w.filter, w.position FROM webhooks w
      WHERE w.enabled AND w.position < (SELECT coalesce(max(seq), 0) FROM changes)
      ORDER BY w.position LIMIT 20
      FOR UPDATE SKIP LOCKED`)
    let behind = 0
    for (const s of subscriptions) {
      const changes = await rawRows<LoggedChange>(client, Prisma.sql`
        SELECT c.seq, c.entity, c.entity_id::text AS "entityId", c.action FROM changes c
        WHERE c.seq > ${s.position}::int8 ORDER BY c.seq LIMIT ${batch}`)
      if (changes.length === 0) continue
      if (changes.length === batch) behind++
      let wanted = changes.filter((c) => matchesEvents(s.events, c.entity, c.action))
      if (s.filter !== null) {
        const judged = wanted.filter((c) => filtered.has(c.entity))
        const kept = judged.length > 0 ? await matchingRecords(client, s.filter, judged) : new Set<string>()
        wanted = wanted.filter((c) => !filtered.has(c.entity) || kept.has(`${c.entity}:${c.entityId}`))
      }
      if (wanted.length > 0) {
        await client.query(`
          INSERT INTO webhook_deliveries (id, webhook_id, seq, event_type)
          SELECT id, $1::uuid, seq, event_type FROM unnest($2::uuid[], $3::int8[], $4::text[]) AS x(id, seq, event_type)
          ON CONFLICT (webhook_id, seq) DO NOTHING`,
        [s.id, wanted.map(() => uuidv7()), wanted.map((c) => String(c.seq)), wanted.map((c) => eventTypeOf(c.entity, c.action))])
      }
      await client.query('UPDATE webhooks SET position = $2::int8 WHERE id = $1::uuid', [s.id, String(changes[changes.length - 1].seq)])
    }
    return behind
  })
}

/** The next deliveries of one subscription, taken together, in change order. */
export interface ClaimedBatch {
  webhookId: string
  url: string
  secrets: string[]
  deliveries: ClaimedDelivery[]
}

/** The enabled subscriptions whose oldest pending delivery (`head`) is due: a FROM … WHERE to select from. */
const dueHeads = Prisma.sql`FROM webhooks w CROSS JOIN LATERAL (
    SELECT e.next_attempt_at FROM webhook_deliveries e
    WHERE e.webhook_id = w.id AND e.status = 'pending' ORDER BY e.seq LIMIT 1) head
  WHERE w.enabled AND head.next_attempt_at <= now()`

/**
 * Takes, for up to `limit` subscriptions whose oldest pending delivery is due, that delivery and the
 * ones after it (`batch` at most, in seq order, each due), and leases them for `leaseMs`: they stay
 * pending, so a process that dies mid-attempt leaves them to be tried again once the lease runs out
 * (at least once). A subscription's batch is a run from its head that this transaction holds: the
 * rows are locked FOR UPDATE SKIP LOCKED, and one that another process holds, or has leased or
 * delivered since this statement's snapshot, ends the run before it, so two processes never deliver
 * two parts of one subscription's queue at once.
 */
export async function claim (pool: pg.Pool, limit: number, batch: number, leaseMs: number): Promise<ClaimedBatch[]> {
  // As in dispatch: a poll asks first, outside a transaction, whether a subscription's head is due.
  // While this or another process is delivering a batch, the rows after it are due but its head is
  // leased: a poll then costs these probes, not a transaction that finds nothing.
  const [{ due }] = await rawRows<{ due: boolean }>(pool, Prisma.sql`SELECT EXISTS (SELECT ${dueHeads}) AS due`)
  if (!due) return []
  return inTransaction(pool, async (client) => {
    // Each subscription's pending run first (index probes on (webhook_id, seq) where pending), then
    // only those rows are locked: the lock re-reads them, so a row another process has just leased
    // (its next attempt moved into the future) or delivered drops out, and a locked one is skipped.
    const candidates = await rawRows<{ id: string, webhookId: string, seq: Int8, eventType: string, retryStep: number }>(client, Prisma.sql`
      SELECT d.id::text, d.webhook_id::text AS "webhookId", d.seq, d.event_type AS "eventType", d.retry_step AS "retryStep"
      FROM webhook_deliveries d
      WHERE d.id IN (
        SELECT run.id FROM (
          SELECT w.id AS webhook_id ${dueHeads}
          ORDER BY head.next_attempt_at
          LIMIT ${limit}) due
        CROSS JOIN LATERAL (
          SELECT e.id FROM webhook_deliveries e
          WHERE e.webhook_id = due.webhook_id AND e.status = 'pending' ORDER BY e.seq LIMIT ${batch}) run)
      AND d.status = 'pending' AND d.next_attempt_at <= now()
      ORDER BY d.webhook_id, d.seq
      FOR UPDATE SKIP LOCKED`)
    if (candidates.length === 0) return []
    // Each subscription's queue as it stands now that those rows are locked (this statement sees what
    // committed meanwhile): its run is the rows we hold from its head on, up to the first we do not.
    const held = new Map(candidates.map((c) => [c.id, c]))
    const queues = await rawRows<{ webhookId: string, id: string }>(client, Prisma.sql`
      SELECT w.id::text AS "webhookId", run.id::text FROM unnest(${[...new Set(candidates.map((c) => c.webhookId))]}::uuid[]) WITH ORDINALITY AS w(id, n)
      CROSS JOIN LATERAL (
        SELECT e.id, e.seq FROM webhook_deliveries e
        WHERE e.webhook_id = w.id AND e.status = 'pending' ORDER BY e.seq LIMIT ${batch}) run
      ORDER BY w.n, run.seq`)
    const ended = new Set<string>()
    const taken: typeof candidates = []
    for (const q of queues) {
      if (ended.has(q.webhookId)) continue
      const c = held.get(q.id)
      if (c) taken.push(c)
      else ended.add(q.webhookId)
    }
    return taken.length > 0 ? lease(client, taken, leaseMs) : []
  })
}

/** Moves the deliveries' next attempt past the lease and reads what their requests need, grouped by subscription in seq order. */
async function lease (client: pg.PoolClient, taken: Array<Omit<ClaimedDelivery, 'body'>>, leaseMs: number): Promise<ClaimedBatch[]> {
  const details = await rawRows<{ id: string, url: string, secret: string, previousSecret: string | null, payload: string }>(client, Prisma.sql`
    WITH leased AS (
      UPDATE webhook_deliveries SET next_attempt_at = now() + ${leaseMs}::int8 * interval '1 millisecond'
      WHERE id = ANY(${taken.map((t) => t.id)}::uuid[]) RETURNING id, webhook_id, seq, event_type)
    SELECT d.id::text, w.url, w.secret, CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS "previousSecret",
      json_build_object('type', d.event_type, 'timestamp', to_char(c.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'data', json_build_object('seq', c.seq, 'entity', c.entity, 'id', c.entity_id, 'action', c.action, 'version', c.version,
          'at', to_char(c.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'record', c.after))::text AS payload
    FROM leased d JOIN webhooks w ON w.id = d.webhook_id JOIN changes c ON c.seq = d.seq`)
  const byId = new Map(details.map((x) => [x.id, x]))
  const batches = new Map<string, ClaimedBatch>()
  for (const t of taken) {
    const x = byId.get(t.id)!
    let b = batches.get(t.webhookId)
    if (!b) {
      b = { webhookId: t.webhookId, url: x.url, secrets: x.previousSecret ? [x.secret, x.previousSecret] : [x.secret], deliveries: [] }
      batches.set(t.webhookId, b)
    }
    b.deliveries.push({ ...t, body: x.payload })
  }
  return [...batches.values()]
}

/**
 * Records the deliveries of one subscription that were answered 2xx, in one statement: each succeeded
 * (its status code in `statuses`, by position), and the subscription is no longer failing.
 */
export async function succeeded (pool: pg.Pool, webhookId: string, ids: string[], statuses: number[]) {
  if (ids.length === 0) return
  await pool.query(`
    WITH done AS (
      UPDATE webhook_deliveries d SET status = 'succeeded', attempts = d.attempts + 1, last_attempt_at = now(), last_response_code = x.status,
        last_error = NULL, delivered_at = now()
      FROM unnest($2::uuid[], $3::int[]) AS x(id, status)
      WHERE d.id = x.id AND d.webhook_id = $1::uuid RETURNING d.id)
    UPDATE webhooks SET failing_since = NULL WHERE id = $1::uuid AND failing_since IS NOT NULL AND EXISTS (SELECT FROM done)`,
  [webhookId, ids, statuses])
}

/**
 * Records a failed attempt: the delivery waits `retryInMs` (or, with null, has spent its retries and
 * is failed), and a subscription that has been failing for `disableAfterMs` is disabled, saying why.
 */
export async function failed (pool: pg.Pool, d: ClaimedDelivery, outcome: { status: number | null, error: string | null },
  retryInMs: number | null, disableAfterMs: number) {
  await pool.query(`
    UPDATE webhook_deliveries SET attempts = attempts + 1, retry_step = retry_step + 1, last_attempt_at = now(),
      last_response_code = $2, last_error = $3,
      status = CASE WHEN $4::int8 IS NULL THEN 'failed' ELSE 'pending' END::"WebhookDeliveryStatus",
      next_attempt_at = now() + coalesce($4::int8, 0) * interval '1 millisecond'
    WHERE id = $1::uuid`, [d.id, outcome.status, outcome.error?.slice(0, 500) ?? null, retryInMs])
  const last = outcome.status !== null ? `HTTP ${outcome.status}` : outcome.error
  const { rows: [marked] } = await pool.query<{ failingSince: Date }>(
    'UPDATE webhooks SET failing_since = coalesce(failing_since, now()) WHERE id = $1::uuid RETURNING failing_since AS "failingSince"', [d.webhookId])
  if (!marked || Date.now() - marked.failingSince.getTime() < disableAfterMs) return
  await pool.query(`
    UPDATE webhooks SET enabled = false, disabled_at = now(), disabled_reason = $2
    WHERE id = $1::uuid AND enabled AND failing_since <= now() - $3::int8 * interval '1 millisecond'`,
  [d.webhookId, `deliveries have failed since ${marked.failingSince.toISOString()} (last: ${last}); fix the endpoint, then PATCH enabled=true to resume`, disableAfterMs])
}

/** Gives leased deliveries back at once: not attempted (a batch cut short) or cut off mid-attempt (the process is stopping). */
export async function release (pool: pg.Pool, ids: string[]) {
  if (ids.length === 0) return
  await pool.query('UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = ANY($1::uuid[]) AND status = \'pending\'', [ids])
}
