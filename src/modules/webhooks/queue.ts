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

/** A delivery taken for one attempt, with what its request needs. */
export interface ClaimedDelivery {
  id: string
  webhookId: string
  seq: Int8
  eventType: string
  retryStep: number
  url: string
  secrets: string[]
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

/**
 * The incidents among `ids` that the filter matches, evaluated on the incidents as they stand: the
 * list's own SQL conditions restricted to these ids. A deleted incident is judged on its last state
 * (the list's condition that hides deleted rows, the first one, is left out), so a subscriber hears
 * of the deletion of an incident it was told about.
 */
async function matchingIncidents (client: pg.PoolClient, filter: string, ids: string[]): Promise<Set<string>> {
  const parsed = parseIncidentFilter(filter)
  // Checked when the subscription was written; a filter a later version no longer accepts matches nothing.
  if ('errors' in parsed) return new Set()
  const [, ...conditions] = incidentConditions(parsed.filters)
  const rows = await rawRows<{ id: string }>(client, Prisma.sql`
    SELECT i.id::text FROM incidents i WHERE i.id = ANY(${ids}::uuid[]) ${conditions.length > 0 ? Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}` : Prisma.empty}`)
  return new Set(rows.map((r) => r.id))
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
        const incidents = wanted.filter((c) => c.entity === 'incident').map((c) => c.entityId)
        const kept = incidents.length > 0 ? await matchingIncidents(client, s.filter, incidents) : new Set<string>()
        wanted = wanted.filter((c) => c.entity !== 'incident' || kept.has(c.entityId))
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

/**
 * Takes up to `limit` deliveries that are due, each the oldest pending one of its subscription (so a
 * subscription receives its changes in change order, one at a time), and leases them for `leaseMs`:
 * they stay pending, so a process that dies mid-attempt leaves them to be tried again once the
 * lease runs out (at least once).
 */
export async function claim (pool: pg.Pool, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  // As in dispatch: an idle poll asks first, outside a transaction.
  const [{ due }] = await rawRows<{ due: boolean }>(pool, Prisma.sql`SELECT EXISTS (SELECT FROM webhook_deliveries d
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()) AS due`)
  if (!due) return []
  return inTransaction(pool, async (client) => {
    // Each subscription's head first (one index probe each), then only those rows are locked: the
    // lock re-reads them, so a head another process has just leased (its next attempt moved into
    // the future) or delivered is passed over, and a locked one is skipped, never the one after it.
    const rows = await rawRows<{ id: string, webhookId: string, seq: Int8, eventType: string, retryStep: number }>(client, Prisma.sql`
      SELECT d.id::text, d.webhook_id::text AS "webhookId", d.seq, d.event_type AS "eventType", d.retry_step AS "retryStep"
      FROM webhook_deliveries d
      WHERE d.id IN (
        SELECT head.id FROM webhooks w
        CROSS JOIN LATERAL (
          SELECT e.id, e.next_attempt_at FROM webhook_deliveries e
          WHERE e.webhook_id = w.id AND e.status = 'pending' ORDER BY e.seq LIMIT 1) head
        WHERE w.enabled AND head.next_attempt_at <= now()
        ORDER BY head.next_attempt_at
        LIMIT ${limit})
      AND d.status = 'pending' AND d.next_attempt_at <= now()
      FOR UPDATE SKIP LOCKED`)
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    const details = await rawRows<{ id: string, url: string, secret: string, previousSecret: string | null, payload: string }>(client, Prisma.sql`
      WITH leased AS (
        UPDATE webhook_deliveries SET next_attempt_at = now() + ${leaseMs}::int8 * interval '1 millisecond'
        WHERE id = ANY(${ids}::uuid[]) RETURNING id, webhook_id, seq, event_type)
      SELECT d.id::text, w.url, w.secret, CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS "previousSecret",
        json_build_object('type', d.event_type, 'timestamp', to_char(c.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'data', json_build_object('seq', c.seq, 'entity', c.entity, 'id', c.entity_id, 'action', c.action, 'version', c.version,
            'at', to_char(c.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'record', c.after))::text AS payload
      FROM leased d JOIN webhooks w ON w.id = d.webhook_id JOIN changes c ON c.seq = d.seq`)
    const byId = new Map(details.map((x) => [x.id, x]))
    return rows.map((r) => {
      const x = byId.get(r.id)!
      return { ...r, url: x.url, secrets: x.previousSecret ? [x.secret, x.previousSecret] : [x.secret], body: x.payload }
    })
  })
}

export async function succeeded (pool: pg.Pool, d: ClaimedDelivery, status: number) {
  await pool.query(`
    WITH done AS (
      UPDATE webhook_deliveries SET status = 'succeeded', attempts = attempts + 1, last_attempt_at = now(), last_response_code = $2,
        last_error = NULL, delivered_at = now()
      WHERE id = $1::uuid RETURNING webhook_id)
    UPDATE webhooks SET failing_since = NULL WHERE id = (SELECT webhook_id FROM done) AND failing_since IS NOT NULL`, [d.id, status])
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

/** Gives leased deliveries back at once (the process is stopping mid-attempt). */
export async function release (pool: pg.Pool, ids: string[]) {
  if (ids.length === 0) return
  await pool.query('UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = ANY($1::uuid[]) AND status = \'pending\'', [ids])
}
