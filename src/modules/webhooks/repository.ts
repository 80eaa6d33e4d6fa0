import { uuidv7 } from 'uuidv7'
import { Prisma } from '../../generated/prisma/client.ts'
import { listPage, type ListTable } from '../../http/cursor.ts'
import { rawRows, type Int8, type Reader } from '../../db/rows.ts'
import type pg from 'pg'
import { newWebhookSecret } from './sign.ts'
import type { DeliveryListQuery, DeliveryView, WebhookListQuery, WebhookPatch, WebhookView } from './schemas.ts'

interface WebhookRow {
  id: string
  url: string
  events: string[]
  filter: string | null
  enabled: boolean
  disabledAt: Date | null
  disabledReason: string | null
  failingSince: Date | null
  previousSecretExpiresAt: Date | null
  createdAt: Date
  updatedAt: Date
  version: number
}

interface DeliveryRow {
  id: string
  webhookId: string
  seq: Int8
  eventType: string
  status: DeliveryView['status']
  attempts: number
  lastResponseCode: number | null
  lastError: string | null
  lastAttemptAt: Date | null
  nextAttemptAt: Date
  deliveredAt: Date | null
  createdAt: Date
}

const webhookColumns = Prisma.sql`w.id::text, w.url, w.events, w.filter, w.enabled, w.disabled_at AS "disabledAt",
  w.disabled_reason AS "disabledReason", w.failing_since AS "failingSince",
  CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret_expires_at END AS "previousSecretExpiresAt",
  w.created_at AS "createdAt", w.updated_at AS "updatedAt", w.version`

const deliveryColumns = Prisma.sql`d.id::text, d.webhook_id::text AS "webhookId", d.seq, d.event_type AS "eventType", d.status,
  d.attempts, d.last_response_code AS "lastResponseCode", d.last_error AS "lastError", d.last_attempt_at AS "lastAttemptAt",
  d.next_attempt_at AS "nextAttemptAt", d.delivered_at AS "deliveredAt", d.created_at AS "createdAt"`

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null)

export const toWebhook = (w: WebhookRow): WebhookView => ({
  id: w.id,
  url: w.url,
  events: w.events,
  filter: w.filter,
  enabled: w.enabled,
  disabledAt: isoOrNull(w.disabledAt),
  disabledReason: w.disabledReason,
  failingSince: isoOrNull(w.failingSince),
  previousSecretExpiresAt: isoOrNull(w.previousSecretExpiresAt),
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
  version: w.version
})

export const toDelivery = (d: DeliveryRow): DeliveryView => ({
  id: d.id,
  webhookId: d.webhookId,
  seq: Number(d.seq),
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastResponseCode: d.lastResponseCode,
  lastError: d.lastError,
  lastAttemptAt: isoOrNull(d.lastAttemptAt),
  nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  deliveredAt: isoOrNull(d.deliveredAt),
  createdAt: d.createdAt.toISOString()
})

const webhookList: ListTable<WebhookRow> = {
  select: webhookColumns,
  from: Prisma.sql`webhooks w`,
  id: Prisma.sql`w.id`,
  sorts: { createdAt: { column: Prisma.sql`w.created_at`, kind: 'date' } }
}

const deliveryList: ListTable<DeliveryRow> = {
  select: deliveryColumns,
  from: Prisma.sql`webhook_deliveries d`,
  id: Prisma.sql`d.id`,
  sorts: { seq: { column: Prisma.sql`d.seq`, kind: 'number', cursorValue: (d) => Number(d.seq) } }
}

export interface NewWebhook { url: string, events: string[], filter: string | null, enabled: boolean }

/** What a PATCH changes, checked (If-Match) against the version it read under the row lock. */
export interface WebhookChange { patch: WebhookPatch, keyName: string | null, expect?: (version: number) => void }

async function transaction<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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

const locked = async (client: pg.PoolClient, id: string) =>
  (await rawRows<WebhookRow>(client, Prisma.sql`SELECT ${webhookColumns} FROM webhooks w WHERE w.id = ${id}::uuid FOR UPDATE`))[0]

export function createWebhookRepository (pool: pg.Pool) {
  async function one (on: Reader, id: string) {
    const [row] = await rawRows<WebhookRow>(on, Prisma.sql`SELECT ${webhookColumns} FROM webhooks w WHERE w.id = ${id}::uuid`)
    return row ?? null
  }

  return {
    /** Starts at the end of the change log: a new subscription receives the changes committed after it. */
    async create (w: NewWebhook) {
      const secret = newWebhookSecret()
      const [row] = await rawRows<WebhookRow>(pool, Prisma.sql`
        INSERT INTO webhooks AS w (id, url, events, filter, enabled, secret, position, disabled_at, disabled_reason)
        VALUES (${uuidv7()}::uuid, ${w.url}, ${w.events}::text[], ${w.filter}, ${w.enabled}, ${secret},
          (SELECT coalesce(max(seq), 0) FROM changes), ${w.enabled ? null : new Date()}, NULL)
        RETURNING ${webhookColumns}`)
      return { ...toWebhook(row), secret }
    },

    async get (id: string) {
      const row = await one(pool, id)
      return row && toWebhook(row)
    },

    async page (q: WebhookListQuery) {
      const { rows, total, cursorOf } = await listPage(pool, webhookList, q, [])
      return { rows, total, cursorOf }
    },

    /** The patched subscription, or null when it does not exist. Re-enabling clears why it was disabled. */
    update (id: string, { patch, keyName, expect }: WebhookChange) {
      return transaction(pool, async (client) => {
        const current = await locked(client, id)
        if (!current) return null
        expect?.(current.version)
        const sets: Prisma.Sql[] = [Prisma.sql`version = version + 1`, Prisma.sql`updated_at = now()`]
        if (patch.url !== undefined) sets.push(Prisma.sql`url = ${patch.url}`)
        if (patch.events !== undefined) sets.push(Prisma.sql`events = ${patch.events}::text[]`)
        if (patch.filter !== undefined) sets.push(Prisma.sql`filter = ${patch.filter}`)
        if (patch.enabled === true && !current.enabled) {
          sets.push(Prisma.sql`enabled = true, disabled_at = NULL, disabled_reason = NULL, failing_since = NULL`)
        } else if (patch.enabled === false && current.enabled) {
          sets.push(Prisma.sql`enabled = false, disabled_at = now(), disabled_reason = ${`disabled by ${keyName ?? 'an admin'}`}`)
        }
        const [row] = await rawRows<WebhookRow>(client, Prisma.sql`
          UPDATE webhooks w SET ${Prisma.join(sets, ', ')} WHERE w.id = ${id}::uuid RETURNING ${webhookColumns}`)
        return toWebhook(row)
      })
    },

    /** Deletes the subscription and its deliveries; false when it did not exist. */
    remove (id: string, expect?: (version: number) => void) {
      return transaction(pool, async (client) => {
        const current = await locked(client, id)
        if (!current) return false
        expect?.(current.version)
        await client.query('DELETE FROM webhooks WHERE id = $1::uuid', [id])
        return true
      })
    },

    /** A new secret; the old one keeps signing for `graceSeconds`. Null when the subscription does not exist. */
    async rotateSecret (id: string, graceSeconds: number) {
      const secret = newWebhookSecret()
      const [row] = await rawRows<WebhookRow>(pool, Prisma.sql`
        UPDATE webhooks w SET
          previous_secret = CASE WHEN ${graceSeconds}::int > 0 THEN w.secret END,
          previous_secret_expires_at = CASE WHEN ${graceSeconds}::int > 0 THEN now() + make_interval(secs => ${graceSeconds}::int) END,
          secret = ${secret}, version = w.version + 1, updated_at = now()
        WHERE w.id = ${id}::uuid
        RETURNING ${webhookColumns}`)
      return row ? { ...toWebhook(row), secret } : null
    },

    async deliveries (webhookId: string, q: DeliveryListQuery) {
      const conditions = [Prisma.sql`d.webhook_id = ${webhookId}::uuid`]
      if (q.status) conditions.push(Prisma.sql`d.status = ANY(${q.status}::"WebhookDeliveryStatus"[])`)
      return listPage(pool, deliveryList, q, conditions)
    },

    /** Schedules the delivery again now, with a fresh retry schedule and its same webhook-id; null when it does not exist. */
    async redeliver (webhookId: string, deliveryId: string) {
      const [row] = await rawRows<DeliveryRow>(pool, Prisma.sql`
        UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), retry_step = 0, delivered_at = NULL
        WHERE d.id = ${deliveryId}::uuid AND d.webhook_id = ${webhookId}::uuid
        RETURNING ${deliveryColumns}`)
      return row ? toDelivery(row) : null
    }
  }
}
