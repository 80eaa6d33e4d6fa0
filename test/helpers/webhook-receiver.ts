import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll } from 'vitest'

// Every receiver a test file starts is closed when the file is done.
const open = new Set<() => Promise<void>>()
afterAll(async () => { for (const close of open) await close() })

export interface Received { headers: IncomingHttpHeaders, body: string, at: number }

/** How the receiver answers the next request: a status, or `hang` (no answer until the client gives up). */
export type Answer = number | 'hang'

/**
 * A local HTTP endpoint that records every POST and answers as told: `answers` is consumed one per
 * request (a failing receiver that recovers: [500, 500]), then `fallback` answers.
 */
export async function startReceiver () {
  const received: Received[] = []
  const state = { answers: [] as Answer[], fallback: 200 as Answer }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() })
      const answer = state.answers.length > 0 ? state.answers.shift()! : state.fallback
      if (answer === 'hang') return
      res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  open.add(close)
  return {
    close,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** the recorded requests whose JSON body says so */
    bodies: () => received.map((r) => JSON.parse(r.body) as { type: string, timestamp: string, data: { seq: number, id: string, entity: string, action: string, record: any } }),
    answer (answers: Answer[], fallback: Answer = 200) {
      state.answers = [...answers]
      state.fallback = fallback
    }
  }
}

/** Polls until `check` returns a value other than undefined or false, or fails after `timeoutMs`. */
export async function eventually<T> (check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
