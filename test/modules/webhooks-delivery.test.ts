import { Webhook } from 'standardwebhooks'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import type { WebhookSettings } from '../../src/modules/webhooks/worker.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { eventually, startReceiver } from '../helpers/webhook-receiver.ts'
import { createActor } from '../factories/index.ts'

// Receivers that fail, time out and recover; several API processes on one database; a restart.

const settings: Partial<WebhookSettings> = {
  worker: true, allowPrivate: true, pollMs: 30, retryScheduleMs: [50, 100, 150], disableAfterMs: 1500, connectTimeoutMs: 500, timeoutMs: 300, concurrency: 8, batchSize: 5
}

let t: TestContext
const extraApps: FastifyInstance[] = []

beforeAll(async () => {
  t = await createTestApp({ webhooks: settings })
})

afterAll(async () => {
  for (const app of extraApps) await app.close()
})

/** Another API process on the same database. */
async function anotherProcess (overrides: Partial<WebhookSettings> = {}) {
  const app = await buildApp({ databaseUrl: t.databaseUrl, logger: false, rateLimitPerMinute: 1_000_000, webhooks: { ...settings, ...overrides } })
  await app.ready()
  extraApps.push(app)
  return app
}

async function subscribe (url: string, events = ['actor.created']) {
  const res = await t.http().post('/v1/webhooks').set(t.auth('admin')).send({ url, events })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as { id: string, secret: string }
}

async function deliveries (id: string) {
  const res = await t.http().get(`/v1/webhooks/${id}/deliveries?limit=500`).set(t.auth('admin'))
  expectMatchesSpec(res, 'GET', `/v1/webhooks/${id}/deliveries`)
  return res.body.data as Array<{ id: string, seq: number, status: string, attempts: number, lastResponseCode: number | null, lastError: string | null }>
}

const webhookIds = (received: Array<{ headers: Record<string, unknown> }>) => received.map((r) => String(r.headers['webhook-id']))

describe('retries', () => {
  it('when the receiver fails twice and recovers, then the same webhook-id is retried with backoff, and later changes wait their turn', async () => {
    const receiver = await startReceiver()
    receiver.answer([500, 503])
    const hook = await subscribe(receiver.url)
    const first = await createActor(t)
    const second = await createActor(t)
    await eventually(() => receiver.received.length >= 4, 10_000, 'three attempts and the next change')
    const ids = webhookIds(receiver.received)
    expect(ids[0]).toBe(ids[1])
    expect(ids[1]).toBe(ids[2])
    expect(ids[3]).not.toBe(ids[0])
    expect(receiver.bodies().map((b) => b.data.id)).toEqual([first.id, first.id, first.id, second.id])
    // The waits of the schedule (50 ms, then 100 ms) separate the attempts.
    expect(receiver.received[1].at - receiver.received[0].at).toBeGreaterThanOrEqual(45)
    expect(receiver.received[2].at - receiver.received[1].at).toBeGreaterThanOrEqual(95)
    for (const r of receiver.received) expect(new Webhook(hook.secret).verify(r.body, r.headers as Record<string, string>)).toBeTruthy()
    const list = await eventually(async () => { const d = await deliveries(hook.id); return d.every((x) => x.status === 'succeeded') && d.length === 2 && d }, 5000, 'both succeeded')
    expect(list.map((d) => [d.id, d.attempts, d.lastResponseCode])).toEqual([[ids[3], 1, 200], [ids[0], 3, 200]])
  })

  it('when the receiver does not answer in time, then the attempt fails with the timeout and the retry succeeds', async () => {
    const receiver = await startReceiver()
    receiver.answer(['hang'])
    const hook = await subscribe(receiver.url)
    await createActor(t)
    const [delivery] = await eventually(async () => { const d = await deliveries(hook.id); return d[0]?.status === 'succeeded' && d }, 10_000, 'success after a timeout')
    expect(delivery).toMatchObject({ attempts: 2, lastResponseCode: 200, lastError: null })
    expect(webhookIds(receiver.received)).toEqual([delivery.id, delivery.id])
    const { rows } = await t.app.pool.query('SELECT failing_since FROM webhooks WHERE id = $1', [hook.id])
    expect(rows[0].failing_since).toBeNull()
  })

  it('when nothing listens at the URL, then the attempt records why, with no response code', async () => {
    const receiver = await startReceiver()
    const url = receiver.url
    await receiver.close()
    const hook = await subscribe(url)
    await createActor(t)
    const [delivery] = await eventually(async () => { const d = await deliveries(hook.id); return d[0]?.attempts >= 1 && d }, 10_000, 'an attempt')
    expect(delivery.lastResponseCode).toBeNull()
    expect(delivery.lastError).toMatch(/ECONNREFUSED|connect/)
  })

  it('when every retry fails, then the delivery is failed, the next one is tried, and a subscription failing for long enough is disabled and says why', async () => {
    const receiver = await startReceiver()
    receiver.answer([], 500)
    const hook = await subscribe(receiver.url)
    for (let i = 0; i < 6; i++) await createActor(t)
    const disabled = await eventually(async () => {
      const res = await t.http().get(`/v1/webhooks/${hook.id}`).set(t.auth('admin'))
      return res.body.enabled === false && res
    }, 15_000, 'the subscription disabled')
    expectMatchesSpec(disabled, 'GET', `/v1/webhooks/${hook.id}`)
    expect(disabled.body.disabledReason).toMatch(/^deliveries have failed since .+ \(last: HTTP 500\)/)
    expect(Date.parse(disabled.body.disabledAt) - Date.parse(disabled.body.failingSince)).toBeGreaterThanOrEqual(1500)
    const list = await deliveries(hook.id)
    const failed = list.filter((d) => d.status === 'failed')
    expect(failed.length).toBeGreaterThanOrEqual(1)
    for (const d of failed) expect(d).toMatchObject({ attempts: 4, lastResponseCode: 500 })
    // Disabled: nothing more is attempted.
    const count = receiver.received.length
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.received.length).toBe(count)
  })
})

describe('several API processes', () => {
  it('when two processes deliver from one database, then each change is delivered once, in order', async () => {
    await anotherProcess()
    const receiver = await startReceiver()
    await subscribe(receiver.url)
    const actors = []
    for (let i = 0; i < 25; i++) actors.push(await createActor(t))
    await eventually(() => receiver.received.length >= 25, 30_000, '25 deliveries')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.bodies().map((b) => b.data.id)).toEqual(actors.map((a) => a.id))
    expect(new Set(webhookIds(receiver.received)).size).toBe(25)
  }, 60_000)

  it('when two processes deliver a burst of one subscription\'s changes in batches, then each change is delivered once, in order', async () => {
    await anotherProcess()
    const receiver = await startReceiver()
    await subscribe(receiver.url)
    const names = Array.from({ length: 120 }, (_, i) => `burst actor ${i}`)
    const imported = await t.http().post('/v1/import').set(t.auth('admin')).set('content-type', 'application/x-ndjson')
      .send(names.map((name) => JSON.stringify({ entity: 'actor', data: { name, kind: 'other' } })).join('\n'))
    expect(imported.status, JSON.stringify(imported.body)).toBe(200)
    await eventually(() => receiver.received.length >= 120, 30_000, '120 deliveries')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.bodies().map((b) => b.data.record.name)).toEqual(names)
    expect(new Set(webhookIds(receiver.received)).size).toBe(120)
  }, 60_000)

  it('when the process stops mid-retry, then the pending delivery survives and a new process delivers it', async () => {
    // A database of its own whose app delivers nothing: only the processes started here work on it.
    const base = await createTestApp({ webhooks: { worker: false, allowPrivate: true } })
    const processOn = async (overrides: Partial<WebhookSettings>) => {
      const app = await buildApp({ databaseUrl: base.databaseUrl, logger: false, webhooks: { ...settings, ...overrides } })
      await app.ready()
      return app
    }
    const receiver = await startReceiver()
    receiver.answer([500])
    const res = await base.http().post('/v1/webhooks').set(base.auth('admin')).send({ url: receiver.url, events: ['actor.created'] })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const hook = res.body as { id: string }
    const first = await processOn({ retryScheduleMs: [60_000] })
    await createActor(base)
    // The receiver counts a request before it answers: wait until the process has recorded the answer
    // (closing it earlier cuts the attempt off, and the delivery is handed back with no attempt counted).
    const [pending] = await eventually(async () => {
      const list = await base.http().get(`/v1/webhooks/${hook.id}/deliveries`).set(base.auth('admin'))
      return list.body.data[0]?.attempts === 1 && list.body.data
    }, 10_000, 'the failed attempt recorded')
    await first.close()
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastResponseCode: 500 })
    expect(Date.parse(pending.nextAttemptAt) - Date.now()).toBeGreaterThan(30_000)
    // The minute's wait is cut short; a restarted process finds the delivery due and delivers it.
    await base.app.pool.query('UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = $1', [pending.id])
    const second = await processOn({})
    try {
      await eventually(async () => {
        const again = await base.http().get(`/v1/webhooks/${hook.id}/deliveries`).set(base.auth('admin'))
        return again.body.data[0]?.status === 'succeeded'
      }, 10_000, 'delivered after the restart')
    } finally {
      await second.close()
    }
    expect(webhookIds(receiver.received)).toEqual([pending.id, pending.id])
  }, 60_000)
})

describe('private targets', () => {
  it('when WEBHOOK_ALLOW_PRIVATE is off, then loopback, private and link-local URLs are refused with 400 naming url', async () => {
    const strict = await createTestApp({ webhooks: { worker: false, allowPrivate: false } })
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x',
      'http://10.1.2.3/x', 'http://192.168.0.10/x', 'http://[::ffff:127.0.0.1]/x', 'http://[fe80::1]/x', 'http://0.0.0.0/x', 'http://100.64.0.1/x']) {
      const res = await strict.http().post('/v1/webhooks').set(strict.auth('admin')).send({ url, events: ['incident.*'] })
      expectMatchesSpec(res, 'POST', '/v1/webhooks')
      expect(res.status, url).toBe(400)
      expect(res.body.errors, url).toEqual([expect.objectContaining({ path: 'url', message: expect.stringMatching(/private, loopback or link-local/) })])
    }
    const open = await strict.http().post('/v1/webhooks').set(strict.auth('admin')).send({ url: 'https://93.184.215.14/hooks', events: ['incident.*'] })
    expect(open.status, JSON.stringify(open.body)).toBe(201)
  })
})
