import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface RawExchange {
  /** everything the server sent */
  text: string
  /** ms from connecting until the server closed the connection (undefined: still open at the deadline) */
  closedAfterMs: number | undefined
}

/**
 * Bytes on a bare TCP connection, for what an HTTP client library would not do: send nothing, trickle
 * headers, or exceed the header size. Each chunk is written after its delay; then waits for the server
 * to close, up to `waitMs`.
 */
export async function rawExchange (port: number, chunks: Array<{ afterMs: number, data: string }>, waitMs: number): Promise<RawExchange> {
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  const started = performance.now()
  let text = ''
  let closedAfterMs: number | undefined
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { text += chunk })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    closedAfterMs = performance.now() - started
    resolve()
  }))
  for (const { afterMs, data } of chunks) {
    await sleep(afterMs)
    if (closedAfterMs !== undefined) break
    socket.write(data)
  }
  await Promise.race([closed, sleep(waitMs)])
  socket.destroy()
  return { text, closedAfterMs }
}

/** The status, headers and body of the one raw response in `text`. */
export function parseResponse (text: string) {
  const [head, ...rest] = text.split('\r\n\r\n')
  const [statusLine, ...headerLines] = head.split('\r\n')
  const headers = Object.fromEntries(headerLines.map((l) => {
    const i = l.indexOf(':')
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()]
  }))
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') }
}
