import type { ServerResponse } from 'node:http'
import pg from 'pg'
import type { Db } from '../../db/client.ts'
import { KEY_REVOKED_CHANNEL } from '../keys/channel.ts'
import { CHANGE_CHANNEL } from './repository.ts'
import { changesAfter } from './feed.ts'
import type { ChangeView } from './schemas.ts'

const BATCH = 500

interface Subscriber {
  res: ServerResponse
  /** the log position this stream has seen up to (changes of other entities included) */
  pos: bigint
  entities?: readonly string[]
  keyId: string | null
  /** fed by the shared reader; false while it replays (or catches up after a full socket buffer) on its own */
  live: boolean
  timer: NodeJS.Timeout
}

export interface HubOptions {
  databaseUrl: string
  heartbeatMs: number
  pollMs: number
  /** a stream is ended after this long; the client reconnects with Last-Event-ID */
  maxLifetimeMs: number
  /** counts the log reads: `shared` serve every live stream at once, `catch_up` one stream's replay */
  onRead?: (kind: 'shared' | 'catch_up') => void
}

/**
 * Live change stream for SSE clients. Fed from the database, never from this process's own writes:
 * PostgreSQL NOTIFY (sent at commit by recordChange) wakes every API process, and a slow poll covers a
 * dropped LISTEN connection. One shared reader reads each new change once and fans it out to every
 * live stream. A stream that starts behind (`since`, Last-Event-ID) replays on its own until it
 * reaches the shared reader, and so does one whose socket buffer filled up: it catches up from its
 * own position once the client drains it, so a slow client never skips a change and never holds
 * the others back.
 */
export function createChangeHub (db: Db, opts: HubOptions) {
  const subscribers = new Set<Subscriber>()
  let listener: pg.Client | null = null
  let timers: NodeJS.Timeout[] = []
  let closed = false
  // The position of the shared reader; null until it is first read.
  let head: bigint | null = null
  let reading = false
  let again = false

  let listening: Promise<void> | null = null

  /** Connects the LISTEN connection once; resolves when it listens, or when connecting failed (the poll covers then). */
  function listen (): Promise<void> {
    if (listening || closed) return listening ?? Promise.resolve()
    const client = new pg.Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: 3000 })
    listener = client
    client.on('notification', (n) => {
      if (n.channel === KEY_REVOKED_CHANNEL) endStreamsOf(n.payload ?? '')
      else read().catch(() => {})
    })
    client.on('error', () => {
      listener = null
      listening = null
      client.end().catch(() => {})
      if (!closed) setTimeout(() => { listen().catch(() => {}) }, 1000).unref()
    })
    listening = (async () => {
      try {
        await client.connect()
        await client.query(`LISTEN ${CHANGE_CHANNEL}; LISTEN ${KEY_REVOKED_CHANNEL}`)
      } catch {
        client.emit('error', new Error('listen failed'))
      }
    })()
    return listening
  }

  const matches = (s: Subscriber, c: ChangeView) => !s.entities || s.entities.includes(c.entity)
  const event = (c: ChangeView) => `id: ${c.seq}\nevent: change\ndata: ${JSON.stringify(c)}\n\n`

  /** Writes what `s` has not seen; false when its socket buffer is full (it then catches up alone). */
  function deliver (s: Subscriber, batch: ChangeView[]): boolean {
    for (const change of batch) {
      const seq = BigInt(change.seq)
      if (seq <= s.pos) continue
      s.pos = seq
      if (matches(s, change) && !s.res.write(event(change))) return false
    }
    return true
  }

  function fallBehind (s: Subscriber) {
    s.live = false
    s.res.once('drain', () => { catchUp(s).catch(() => {}) })
  }

  /** The shared reader: every change once, to every live stream. */
  async function read () {
    if (reading) { again = true; return }
    reading = true
    try {
      do {
        again = false
        for (;;) {
          if (head === null) return
          opts.onRead?.('shared')
          const batch = await changesAfter(db, head, BATCH)
          if (batch.length === 0) break
          head = BigInt(batch[batch.length - 1].seq)
          for (const s of subscribers) if (s.live && !deliver(s, batch)) fallBehind(s)
          if (batch.length < BATCH) break
        }
      } while (again)
    } catch {
      // The database is away; the next notification or poll reads on from head.
    } finally {
      reading = false
    }
  }

  /** One stream's own replay, up to the shared reader's position; then it goes live. */
  async function catchUp (s: Subscriber) {
    try {
      while (subscribers.has(s)) {
        if (head !== null && s.pos >= head) {
          s.live = true
          return
        }
        opts.onRead?.('catch_up')
        const batch = await changesAfter(db, s.pos, BATCH)
        if (!subscribers.has(s)) return
        if (!deliver(s, batch)) return fallBehind(s)
        if (batch.length < BATCH) {
          // At the end of the log as this stream saw it: the shared reader is there or will be.
          if (head === null || s.pos >= head) {
            s.live = true
            return
          }
        }
      }
    } catch {
      // The database is away: try again at the next poll.
      setTimeout(() => { if (subscribers.has(s) && !s.live) catchUp(s).catch(() => {}) }, opts.pollMs).unref()
    }
  }

  function end (s: Subscriber, comment: string) {
    if (!subscribers.delete(s)) return
    clearTimeout(s.timer)
    s.res.end(`: ${comment}\n\n`)
  }

  function endStreamsOf (keyId: string) {
    for (const s of subscribers) if (s.keyId === keyId) end(s, 'the API key was revoked')
  }

  async function endRevoked () {
    const keyIds = [...new Set([...subscribers].flatMap((s) => (s.keyId ? [s.keyId] : [])))]
    if (keyIds.length === 0) return
    const revoked = await db.apiKey.findMany({ where: { id: { in: keyIds }, revokedAt: { not: null } }, select: { id: true } })
    for (const { id } of revoked) endStreamsOf(id)
  }

  async function currentSeq () {
    const { _max } = await db.change.aggregate({ _max: { seq: true } })
    return _max.seq ?? 0n
  }

  function start () {
    if (timers.length > 0) return
    timers = [
      setInterval(() => { for (const s of subscribers) s.res.write(': heartbeat\n\n') }, opts.heartbeatMs),
      setInterval(() => {
        read().catch(() => {})
        // A missed revocation notice still ends the key's streams within one poll.
        endRevoked().catch(() => {})
      }, opts.pollMs)
    ]
    for (const t of timers) t.unref()
  }

  return {
    /** The log position a stream without `since` starts from: the end of the log now. */
    currentSeq,

    /** Resolves once this process listens for changes and revocations (or could not: the poll covers then). */
    listen,

    subscribe (res: ServerResponse, since: bigint, entities: readonly string[] | undefined, keyId: string | null, onEnd: () => void) {
      // The client may have gone while the stream was being set up: its close event has passed.
      if (res.destroyed) {
        onEnd()
        return
      }
      const s: Subscriber = {
        res,
        pos: since,
        entities,
        keyId,
        live: false,
        timer: setTimeout(() => end(s, 'the stream reached its maximum lifetime; reconnect with Last-Event-ID'), opts.maxLifetimeMs)
      }
      subscribers.add(s)
      res.on('close', () => {
        subscribers.delete(s)
        clearTimeout(s.timer)
        onEnd()
      })
      s.timer.unref()
      // The first stream places the shared reader; it then replays for that stream too.
      if (head === null) head = since
      start()
      catchUp(s).catch(() => {})
      read().catch(() => {})
    },

    /** Ends every stream cleanly (before the server waits for in-flight requests) and stops listening. */
    async close () {
      closed = true
      for (const t of timers) clearInterval(t)
      for (const s of subscribers) end(s, 'server shutting down')
      await listener?.end().catch(() => {})
    },

    get size () { return subscribers.size }
  }
}
