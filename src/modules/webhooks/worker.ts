import type pg from 'pg'
import type { FastifyBaseLogger } from 'fastify'
import { claim, dispatch, failed, release, succeeded, type ClaimedDelivery } from './queue.ts'
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
  /** deliveries in flight at once in this process (each to a different subscription) */
  concurrency: number
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
  allowPrivate: false,
  secretGraceSeconds: 86_400
}

const DISPATCH_BATCH = 1000

/**
 * Delivers the change log to webhook subscriptions. Every poll it dispatches new changes into
 * deliveries (PostgreSQL holds them, so they survive a restart), then keeps up to `concurrency`
 * attempts in flight, taking the next one of a subscription as soon as its previous one is done.
 */
export function createWebhookWorker (pool: pg.Pool, settings: WebhookSettings, log: FastifyBaseLogger) {
  const inFlight = new Map<string, AbortController>()
  let timer: NodeJS.Timeout | null = null
  // An object, so the loops below see stop() set it while they await.
  const state = { stopped: false }
  let pumping = false
  let pumpAgain = false
  let dispatching: Promise<void> | null = null
  // A lease outlasts the longest attempt, so no other process retries a delivery still in flight.
  const leaseMs = settings.connectTimeoutMs + settings.timeoutMs + 30_000

  async function attempt (d: ClaimedDelivery) {
    const abort = new AbortController()
    inFlight.set(d.id, abort)
    try {
      const timestamp = Math.floor(Date.now() / 1000)
      const outcome = await postWebhook(d.url, {
        'content-type': 'application/json',
        'user-agent': 'sitrep-webhooks/1',
        'webhook-id': d.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(d.secrets, d.id, timestamp, d.body)
      }, d.body, { allowPrivate: settings.allowPrivate, connectTimeoutMs: settings.connectTimeoutMs, timeoutMs: settings.timeoutMs, signal: abort.signal })
      if (state.stopped) return
      if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
        await succeeded(pool, d, outcome.status)
      } else {
        const retryInMs = settings.retryScheduleMs[d.retryStep] ?? null
        await failed(pool, d, outcome, retryInMs, settings.disableAfterMs)
      }
    } catch (err) {
      // The outcome could not be recorded: the lease runs out and the delivery is tried again.
      if (!state.stopped) log.warn({ err, delivery: d.id }, 'webhook delivery outcome not recorded')
    } finally {
      inFlight.delete(d.id)
    }
  }

  /** Keeps the in-flight attempts topped up while there are due deliveries. */
  async function pump () {
    if (pumping) { pumpAgain = true; return }
    pumping = true
    try {
      do {
        pumpAgain = false
        while (!state.stopped) {
          const free = settings.concurrency - inFlight.size
          if (free <= 0) break
          const claimed = await claim(pool, free, leaseMs)
          if (claimed.length === 0) break
          for (const d of claimed) attempt(d).finally(() => { if (!state.stopped) pump().catch(() => {}) }).catch(() => {})
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

    /** Stops polling, cuts off the attempts in flight and hands their deliveries back for another try. */
    async stop () {
      state.stopped = true
      if (timer) clearInterval(timer)
      const ids = [...inFlight.keys()]
      for (const abort of inFlight.values()) abort.abort()
      await dispatching?.catch(() => {})
      await release(pool, ids).catch(() => {})
    },

    get inFlight () { return inFlight.size }
  }
}
