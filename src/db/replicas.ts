import { AsyncLocalStorage } from 'node:async_hooks'
import pg from 'pg'
import { POSITION_SQL } from './position.ts'

/**
 * Read replicas (DATABASE_READ_URLS). The API's raw reads go through one pg pool, `app.pool`; that
 * pool is a RoutingPool: a query sent while a request runs in a read context (a GET handler, see
 * src/plugins/database.ts) goes to a healthy replica, picked round robin once per request and kept for
 * all of its queries; every other query (hooks, writes, reads inside writes, start-up) goes to the
 * primary, which the pool itself is connected to.
 *
 * Read-your-writes: a replica serves a read that asks for `Sitrep-Min-Seq: N` only once its change log
 * shows seq N. Writers append to `changes` one transaction at a time, so seq order is commit order and
 * a replica has replayed position N exactly when `max(seq) >= N` there.
 */

/** What one request asked for and where its reads went. */
export interface ReadContext {
  /** read on a replica when one is usable (GET); false: the primary only (writes) */
  replica: boolean
  /** the change-log position the read must see (Sitrep-Min-Seq), 0n when not asked */
  minSeq: bigint
  /** chosen at the first query and kept: undefined until then, null for the primary */
  target?: Replica | null
  /** the position of the last change the request's writes appended (Sitrep-Seq) */
  seq?: bigint
}

const contexts = new AsyncLocalStorage<ReadContext>()

/** Runs fn (and everything it awaits) with the request's read context. */
export const withReadContext = <T>(ctx: ReadContext, fn: () => T): T => contexts.run(ctx, fn)

/** The read context of the request running now, if any. */
export const currentReadContext = (): ReadContext | undefined => contexts.getStore()

/** Runs fn on the primary whatever the caller's context (a write's transaction, its reads). */
export const onPrimary = <T>(fn: () => T): T => {
  const ctx = contexts.getStore()
  return ctx?.replica ? contexts.run({ ...ctx, replica: false, target: null }, fn) : fn()
}

/** Records the change-log position a write of this request reached (the largest wins). */
export function noteWrittenSeq (seq: bigint) {
  const ctx = contexts.getStore()
  if (ctx && (ctx.seq === undefined || seq > ctx.seq)) ctx.seq = seq
}

export type ReplicaState = 'up' | 'down' | 'lagging'

export interface Replica {
  /** host:port/database, no credentials (logs, metrics) */
  name: string
  /** the reads */
  pool: pg.Pool
  /** the health checks: one connection of their own, so a busy pool does not make a replica look down */
  checks: pg.Pool
  state: ReplicaState
  /** the last change-log position seen there */
  seq: bigint
  /** how long the primary has been ahead of `seq`, in seconds, at the last check */
  lagSeconds: number
  error?: string
}

export type ReadTarget = 'primary' | 'replica'
/** Why a read went where it did. */
export type RouteReason = 'replica' | 'no-replica' | 'behind' | 'failed-over'

export interface ReplicaOptions {
  /** a replica whose change log is behind the primary's for longer than this is skipped (default 30 s) */
  maxLagSeconds?: number
  /** how often each replica (and the primary's position) is checked (default 1 s) */
  checkIntervalMs?: number
  /** a check that takes longer counts as down (default 2 s) */
  checkTimeoutMs?: number
  statementTimeoutMs?: number
  log?: (level: 'info' | 'warn', msg: string, extra?: object) => void
  /** told of every routed read (metrics) */
  onRoute?: (target: ReadTarget, reason: RouteReason) => void
}

/** What deployments and tests tune. */
export type ReplicaSettings = Pick<ReplicaOptions, 'maxLagSeconds' | 'checkIntervalMs' | 'checkTimeoutMs'>

export const replicaName = (url: string) => {
  const u = new URL(url)
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`
}

// Connection-level failures: the read can be sent again, to the primary. 57P01-3: the server shut
// down; 08xxx: connection exceptions; 40001 on a standby: canceled by a conflict with recovery.
const RETRYABLE = /^(08|57P0[123]$|40001$)/
export function isReplicaUnavailable (err: unknown): boolean {
  const e = err as { code?: string, message?: string }
  if (typeof e?.code === 'string' && (RETRYABLE.test(e.code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(e.code))) return true
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e?.message ?? '')
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([p, new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
  })]).finally(() => clearTimeout(timer))
}

/** The replicas, their health, and the choice of one for a read. */
export class ReplicaSet {
  readonly replicas: Replica[]
  private next = 0
  private timer: NodeJS.Timeout | undefined
  private checking: Promise<void> | undefined
  /** the primary's positions as seen by the checks, oldest first: when each was first seen */
  private history: Array<{ seq: bigint, at: number }> = []
  private readonly opts: Required<Omit<ReplicaOptions, 'log' | 'onRoute' | 'statementTimeoutMs'>> & ReplicaOptions
  private readonly refreshing = new Map<Replica, Promise<void>>()

  constructor (private readonly primary: pg.Pool, urls: string[], opts: ReplicaOptions = {}) {
    this.opts = { maxLagSeconds: 30, checkIntervalMs: 1000, checkTimeoutMs: 2000, ...opts }
    this.replicas = urls.map((url) => {
      const pool = new pg.Pool({
        connectionString: url,
        max: 10,
        connectionTimeoutMillis: 3000,
        // What the standby's pg_stat_activity shows for the API's reads.
        application_name: 'sitrep-read',
        statement_timeout: opts.statementTimeoutMs
      })
      const checks = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: this.opts.checkTimeoutMs, application_name: 'sitrep-health' })
      const replica: Replica = { name: replicaName(url), pool, checks, state: 'down', seq: 0n, lagSeconds: 0 }
      for (const p of [pool, checks]) p.on('error', (err) => this.opts.log?.('warn', `an idle connection to the replica ${replica.name} was lost`, { err }))
      return replica
    })
  }

  /** Checks every replica now, then every checkIntervalMs until stop(). */
  async start () {
    await this.check()
    this.timer = setInterval(() => { this.check().catch(() => {}) }, this.opts.checkIntervalMs)
    this.timer.unref()
  }

  async stop () {
    clearInterval(this.timer)
    await this.checking?.catch(() => {})
    await Promise.all(this.replicas.flatMap((r) => [r.pool.end(), r.checks.end()]))
  }

  /** One round of health checks (concurrent calls share it). */
  check (): Promise<void> {
    this.checking ??= this.runCheck().finally(() => { this.checking = undefined })
    return this.checking
  }

  private async runCheck () {
    try {
      const { rows: [row] } = await withTimeout(this.primary.query<{ seq: string }>(POSITION_SQL), this.opts.checkTimeoutMs, 'reading the primary\'s position')
      const seq = BigInt(row.seq)
      const last = this.history[this.history.length - 1]
      if (last === undefined || seq > last.seq) this.history.push({ seq, at: Date.now() })
    } catch {
      // The primary's position is unknown this round: lag is judged on what was seen before.
    }
    await Promise.all(this.replicas.map((r) => this.checkOne(r)))
    // Positions every replica has passed are no longer needed to date a lag (keep the newest).
    const slowest = this.replicas.reduce((min, r) => (r.seq < min ? r.seq : min), this.history[this.history.length - 1]?.seq ?? 0n)
    while (this.history.length > 1 && this.history[1].seq <= slowest) this.history.shift()
    // A replica stuck far behind must not grow the history forever: past the lag bound, how far past
    // does not matter (the oldest entry kept still dates its lag beyond the bound).
    const horizon = Date.now() - (this.opts.maxLagSeconds + 60) * 1000
    while (this.history.length > 1 && this.history[1].at < horizon) this.history.shift()
  }

  private async checkOne (r: Replica) {
    const before = r.state
    try {
      const { rows: [row] } = await withTimeout(r.checks.query<{ seq: string }>(POSITION_SQL), this.opts.checkTimeoutMs, 'the health check')
      r.seq = BigInt(row.seq)
      r.lagSeconds = this.lagOf(r.seq)
      r.state = r.lagSeconds > this.opts.maxLagSeconds ? 'lagging' : 'up'
      r.error = undefined
    } catch (err) {
      r.state = 'down'
      r.error = err instanceof Error ? err.message : String(err)
    }
    if (r.state !== before) this.logState(r, before)
  }

  /** Seconds since the primary first showed a position past `seq` (0 when it never did). */
  private lagOf (seq: bigint): number {
    const ahead = this.history.find((h) => h.seq > seq)
    return ahead === undefined ? 0 : (Date.now() - ahead.at) / 1000
  }

  private logState (r: Replica, before: ReplicaState) {
    const extra = { replica: r.name, seq: String(r.seq), lagSeconds: r.lagSeconds, error: r.error }
    if (r.state === 'up') this.opts.log?.('info', `replica ${r.name} is serving reads`, extra)
    else if (r.state === 'lagging') this.opts.log?.('warn', `replica ${r.name} lags the primary by ${r.lagSeconds.toFixed(1)} s (over ${this.opts.maxLagSeconds} s): reads go elsewhere`, extra)
    else if (before !== 'down' || r.error !== undefined) this.opts.log?.('warn', `replica ${r.name} is down: reads go elsewhere`, extra)
  }

  /** A usable replica had a failed read: it is down until the next check says otherwise. */
  markDown (r: Replica, err: unknown) {
    const before = r.state
    r.state = 'down'
    r.error = err instanceof Error ? err.message : String(err)
    if (before !== 'down') this.logState(r, before)
  }

  /**
   * The replica for a read that must see `minSeq`, round robin over the usable ones; null for the
   * primary. A replica whose last known position is behind minSeq is asked again once (reads that
   * follow a write are the common case), then skipped.
   */
  async pick (minSeq: bigint): Promise<{ replica: Replica | null, reason: RouteReason }> {
    const usable = this.replicas.filter((r) => r.state === 'up')
    if (usable.length === 0) return { replica: null, reason: 'no-replica' }
    const start = this.next++ % usable.length
    const order = [...usable.slice(start), ...usable.slice(0, start)]
    const ready = order.find((r) => r.seq >= minSeq)
    if (ready) return { replica: ready, reason: 'replica' }
    for (const r of order) {
      await this.refresh(r)
      if (r.state === 'up' && r.seq >= minSeq) return { replica: r, reason: 'replica' }
    }
    return { replica: null, reason: 'behind' }
  }

  private refresh (r: Replica): Promise<void> {
    let p = this.refreshing.get(r)
    if (p === undefined) {
      p = withTimeout(r.checks.query<{ seq: string }>(POSITION_SQL), this.opts.checkTimeoutMs, 'reading the replica\'s position')
        .then(({ rows: [row] }) => { const seq = BigInt(row.seq); if (seq > r.seq) r.seq = seq }, (err) => this.markDown(r, err))
        .finally(() => this.refreshing.delete(r))
      this.refreshing.set(r, p)
    }
    return p
  }

  route (target: ReadTarget, reason: RouteReason) { this.opts.onRoute?.(target, reason) }

  setOnRoute (fn: ReplicaOptions['onRoute']) { this.opts.onRoute = fn }
}

type QueryArgs = Parameters<pg.Pool['query']>

/**
 * The primary's pool, which sends a read to a replica when the running request's read context asks
 * for one and a replica is usable. Callback-style calls and calls outside a read context go to the
 * primary, unchanged.
 */
export class RoutingPool extends pg.Pool {
  replicas: ReplicaSet | undefined

  /** The choice of each request in flight: its concurrent first queries (a page and its count) share one. */
  private readonly choosing = new WeakMap<ReadContext, Promise<Replica | null>>()

  private targetOf (ctx: ReadContext): Promise<Replica | null> {
    if (ctx.target !== undefined) return Promise.resolve(ctx.target)
    let choice = this.choosing.get(ctx)
    if (choice === undefined) {
      const set = this.replicas!
      choice = set.pick(ctx.minSeq).then(({ replica, reason }) => {
        ctx.target ??= replica
        set.route(replica ? 'replica' : 'primary', reason)
        return ctx.target
      })
      this.choosing.set(ctx, choice)
    }
    return choice
  }

  private routed (): ReadContext | undefined {
    if (this.replicas === undefined || this.replicas.replicas.length === 0) return undefined
    const ctx = contexts.getStore()
    return ctx?.replica ? ctx : undefined
  }

  override query (...args: any[]): any {
    const ctx = this.routed()
    if (ctx === undefined || typeof args[args.length - 1] === 'function') return (super.query as (...a: any[]) => any)(...args)
    return this.targetOf(ctx).then((replica) => {
      if (replica === null) return (super.query as (...a: QueryArgs) => any)(...args as QueryArgs)
      return (replica.pool.query as (...a: any[]) => any)(...args).catch((err: unknown) => {
        if (!isReplicaUnavailable(err)) throw err
        this.failOver(ctx, replica, err)
        return (super.query as (...a: any[]) => any)(...args)
      })
    })
  }

  override connect (...args: any[]): any {
    const ctx = this.routed()
    if (ctx === undefined || args.length > 0) return (super.connect as (...a: any[]) => any)(...args)
    return this.targetOf(ctx).then((replica) => {
      if (replica === null) return super.connect()
      return replica.pool.connect().catch((err: unknown) => {
        if (!isReplicaUnavailable(err)) throw err
        this.failOver(ctx, replica, err)
        return super.connect()
      })
    })
  }

  private failOver (ctx: ReadContext, replica: Replica, err: unknown) {
    this.replicas!.markDown(replica, err)
    this.replicas!.route('primary', 'failed-over')
    // The rest of the request reads the primary too: never some rows from one server, some from another.
    ctx.target = null
  }
}
