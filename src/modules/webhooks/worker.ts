import type pg from 'pg'
import type { FastifyBaseLogger } from 'fastify'
import { claim, dispatch, failed, release, succeeded, type ClaimedBatch, type ClaimedDelivery } from './queue.ts'
import { signatureHeader } from './sign.ts'
import { postWebhook } from './target.ts'

export interface WebhookSettings {
  /** run the delivery worker in this process (tests that do not deliver turn it off) */
  worker: boolean
  /** how often the worker looks for new changes and due retries */
  pollMs: number
  /** waits after the 1st, 2nd, … failed attempt; a delivery fails for good after the last */
  retryScheduleMs: number[]
  /** a subscription whose deliveries have failed (with no success) for this long is disabled */
  disableAfterMs: number
  connectTimeoutMs: number
  timeoutMs: number
  /** subscriptions delivered to at once by this process (one request in flight to each) */
  concurrency: number
  /** deliveries of one subscription taken, sent one after another and recorded together */
  batchSize: number
  /** accept private, loopback and link-local targets */
  allowPrivate: boolean
  /** default grace period of a rotated secret */
  secretGraceSeconds: number
}

const minute = 60_000
const hour = 60 * minute

// Exponential, doubling from 5 s with a cap of 8 h: twelve retries over about 23 hours.
export const defaultRetryScheduleMs = [5_000, 30_000, 2 * minute, 5 * minute, 15 * minute, 30 * minute, hour, 2 * hour, 4 * hour, 6 * hour, 8 * hour]

export const defaultWebhookSettings: WebhookSettings = {
  worker: true,
  pollMs: 1000,
  retryScheduleMs: defaultRetryScheduleMs,
  disableAfterMs: 3 * 24 * hour,
  connectTimeoutMs: 5_000,
  timeoutMs: 15_000,
  concurrency: 32,
  batchSize: 100,
  allowPrivate: false,
  secretGraceSeconds: 86_400
}

const DISPATCH_BATCH = 1000

const isSuccess = (status: number | null): status is number => status !== null && status >= 200 && status < 300

/**
 * Delivers the change log to webhook subscriptions. Every poll it dispatches new changes into
 * deliveries (PostgreSQL holds them, so they survive a restart), then keeps up to `concurrency`
 * subscriptions busy: each takes a batch of its next deliveries, sends them one after another in
 * change order on a kept-alive connection, records the outcome in one statement and takes its next
 * batch at once. A batch stops at its first failed attempt: the deliveries after it wait their turn.
 */
export function createWebhookWorker (pool: pg.Pool, settings: WebhookSettings, log: FastifyBaseLogger) {
  /**
   * The batches in flight, by their first delivery: one per subscription, but for a redelivery, which
   * jumps its subscription's queue and so may go while a batch of that subscription is in flight.
   */
  const inFlight = new Map<string, { abort: AbortController, done: Promise<void> }>()
  let timer: NodeJS.Timeout | null = null
  // An object, so the loops below see stop() set it while they await.
  const state = { stopped: false }
  let pumping = false
  let pumpAgain = false
  let dispatching: Promise<void> | null = null
  // A lease outlasts the longest attempt, so no other process retries a delivery still in flight.
  const attemptMs = settings.connectTimeoutMs + settings.timeoutMs
  const leaseMs = attemptMs + 30_000
  // A batch starts its next attempt only while that attempt, and recording it, would end this long
  // before the lease does; the rest go back to the queue (a slow endpoint gets smaller batches).
  const leaseMarginMs = 10_000

  function send (b: ClaimedBatch, d: ClaimedDelivery, signal: AbortSignal) {
    const timestamp = Math.floor(Date.now() / 1000)
    return postWebhook(b.url, {
      'content-type': 'application/json',
      'user-agent': 'sitrep-webhooks/1',
      'webhook-id': d.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(b.secrets, d.id, timestamp, d.body)
    }, d.body, { allowPrivate: settings.allowPrivate, connectTimeoutMs: settings.connectTimeoutMs, timeoutMs: settings.timeoutMs, signal })
  }

  /** Sends a batch in order until one fails, then records what happened to each delivery. */
  async function deliver (b: ClaimedBatch, leasedUntil: number, abort: AbortController) {
    const ids: string[] = []
    const statuses: number[] = []
    let failure: { d: ClaimedDelivery, outcome: { status: number | null, error: string | null } } | null = null
    let next = 0
    while (next < b.deliveries.length && !state.stopped && (next === 0 || Date.now() + attemptMs + leaseMarginMs <= leasedUntil)) {
      const d = b.deliveries[next]
      const outcome = await send(b, d, abort.signal)
      // Cut off by stop(): no outcome, the delivery goes back with the rest.
      if (abort.signal.aborted) break
      next++
      if (isSuccess(outcome.status)) {
        ids.push(d.id)
        statuses.push(outcome.status)
      } else {
        failure = { d, outcome }
        break
      }
    }
    try {
      await succeeded(pool, b.webhookId, ids, statuses)
      if (failure) await failed(pool, failure.d, failure.outcome, settings.retryScheduleMs[failure.d.retryStep] ?? null, settings.disableAfterMs)
      await release(pool, b.deliveries.slice(next).map((d) => d.id))
    } catch (err) {
      // The outcome could not be recorded: the lease runs out and the deliveries are tried again.
      log.warn({ err, webhook: b.webhookId, deliveries: b.deliveries.length }, 'webhook delivery outcome not recorded')
    }
  }

  /** Keeps `concurrency` subscriptions busy while there are due deliveries. */
  async function pump () {
    if (pumping) { pumpAgain = true; return }
    pumping = true
    try {
      do {
        pumpAgain = false
        while (!state.stopped) {
          const free = settings.concurrency - inFlight.size
          if (free <= 0) break
          const claimedAt = Date.now()
          const batches = await claim(pool, free, settings.batchSize, leaseMs)
          if (batches.length === 0) break
          for (const b of batches) {
            const abort = new AbortController()
            const key = b.deliveries[0].id
            const done = deliver(b, claimedAt + leaseMs, abort).catch((err) => {
              log.warn({ err, webhook: b.webhookId }, 'webhook batch failed; its lease runs out and it is tried again')
            }).finally(() => {
              inFlight.delete(key)
              if (!state.stopped) pump().catch(() => {})
            })
            inFlight.set(key, { abort, done })
          }
        }
      } while (pumpAgain && !state.stopped)
    } finally {
      pumping = false
    }
  }

  async function dispatchAll () {
    while (!state.stopped && await dispatch(pool, DISPATCH_BATCH) > 0);
  }

  async function tick () {
    try {
      dispatching ??= dispatchAll().finally(() => { dispatching = null })
      await dispatching
      await pump()
    } catch (err) {
      if (!state.stopped) log.warn({ err }, 'webhook worker poll failed; trying again at the next poll')
    }
  }

  return {
    start () {
      if (timer || state.stopped) return
      timer = setInterval(() => { tick().catch(() => {}) }, settings.pollMs)
      timer.unref()
      tick().catch(() => {})
    },

    /** Runs one poll now (tests and the bench use it instead of waiting for the timer). */
    tick,

    /**
     * Stops polling and cuts off the attempts in flight; each batch records the attempts that were
     * answered and hands the rest back for another try.
     */
    async stop () {
      state.stopped = true
      if (timer) clearInterval(timer)
      const batches = [...inFlight.values()]
      for (const b of batches) b.abort.abort()
      await dispatching?.catch(() => {})
      await Promise.all(batches.map((b) => b.done))
    },

    get inFlight () { return inFlight.size }
  }
}
