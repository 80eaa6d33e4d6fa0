import type { ServerResponse } from 'node:http'
import pg from 'pg'
import type { Db } from '../../plugins/database.ts'
import { CHANGE_CHANNEL } from './repository.ts'
import { changesAfter } from './feed.ts'

interface Subscriber {
  res: ServerResponse
  last: bigint
  entities?: readonly string[]
  pumping: boolean
  again: boolean
}

export interface HubOptions { databaseUrl: string, heartbeatMs: number, pollMs: number }

/**
 * Live change stream for SSE clients. Fed from the database, never from this process's own writes:
 * PostgreSQL NOTIFY (sent at commit by recordChange) wakes every API process, and a slow poll covers a
 * dropped LISTEN connection. Each subscriber reads the log after its own last seq, so a resumed or
 * slow client never skips a change.
 */
export function createChangeHub (db: Db, opts: HubOptions) {
  const subscribers = new Set<Subscriber>()
  let listener: pg.Client | null = null
  let timers: NodeJS.Timeout[] = []
  let closed = false

  async function listen () {
    if (listener || closed) return
    const client = new pg.Client({ connectionString: opts.databaseUrl })
    listener = client
    client.on('notification', () => wakeAll())
    client.on('error', () => {
      listener = null
      client.end().catch(() => {})
      if (!closed) setTimeout(() => { listen().catch(() => {}) }, 1000).unref()
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANGE_CHANNEL}`)
    } catch {
      client.emit('error', new Error('listen failed'))
    }
  }

  const write = (s: Subscriber, chunk: string) => new Promise<void>((resolve) => {
    if (s.res.write(chunk)) resolve()
    else s.res.once('drain', resolve)
  })

  async function pump (s: Subscriber) {
    if (s.pumping) { s.again = true; return }
    s.pumping = true
    try {
      do {
        s.again = false
        for (;;) {
          const batch = await changesAfter(db, s.last, 500, s.entities)
          for (const change of batch) {
            if (!subscribers.has(s)) return
            await write(s, `id: ${change.seq}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`)
            s.last = BigInt(change.seq)
          }
          if (batch.length < 500) break
        }
      } while (s.again && subscribers.has(s))
    } catch {
      // The database is away; the next notification or poll retries from s.last.
    } finally {
      s.pumping = false
    }
  }

  function wakeAll () {
    for (const s of subscribers) pump(s).catch(() => {})
  }

  function start () {
    if (timers.length > 0) return
    timers = [
      setInterval(() => { for (const s of subscribers) s.res.write(': heartbeat\n\n') }, opts.heartbeatMs),
      setInterval(wakeAll, opts.pollMs)
    ]
    for (const t of timers) t.unref()
  }

  return {
    subscribe (res: ServerResponse, since: bigint, entities?: readonly string[]) {
      const s: Subscriber = { res, last: since, entities, pumping: false, again: false }
      subscribers.add(s)
      res.on('close', () => subscribers.delete(s))
      start()
      listen().catch(() => {})
      pump(s).catch(() => {})
    },

    /** Ends every stream cleanly (before the server waits for in-flight requests) and stops listening. */
    async close () {
      closed = true
      for (const t of timers) clearInterval(t)
      for (const s of subscribers) s.res.end(': server shutting down\n\n')
      subscribers.clear()
      await listener?.end().catch(() => {})
    },

    get size () { return subscribers.size }
  }
}
