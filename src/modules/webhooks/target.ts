import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Only globally routable unicast addresses: never loopback, private (RFC 1918, unique local),
 * link-local (cloud metadata lives at 169.254.169.254), carrier-grade NAT, multicast, reserved or
 * unspecified ones, and an IPv4 address mapped into IPv6 counts as the IPv4 address it is.
 */
export function isPublicAddress (address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let parsed = ipaddr.parse(address)
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()) parsed = parsed.toIPv4Address()
  return parsed.range() === 'unicast'
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '')

class PrivateTargetError extends Error {
  readonly code = 'EPRIVATETARGET'
}

const refusal = (host: string, address: string) =>
  new PrivateTargetError(`${host} resolves to ${address}, a private, loopback or link-local address (set WEBHOOK_ALLOW_PRIVATE=true to allow)`)

/**
 * Why the URL may not receive webhooks, or null: it must be http(s) without credentials, and, unless
 * private targets are allowed, its host must resolve only to public addresses (every one is checked).
 */
export async function targetProblem (url: string, allowPrivate: boolean): Promise<string | null> {
  let u: URL
  try { u = new URL(url) } catch { return 'must be an absolute http:// or https:// URL' }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http:// or https:// URL'
  if (u.username || u.password) return 'must not carry credentials; authenticate the sender by its signature'
  if (allowPrivate) return null
  const host = bare(u.hostname)
  if (isIP(host)) return isPublicAddress(host) ? null : `${host} is a private, loopback or link-local address (set WEBHOOK_ALLOW_PRIVATE=true to allow)`
  try {
    const addresses = await dns.promises.lookup(host, { all: true, verbatim: true })
    const bad = addresses.find((a) => !isPublicAddress(a.address))
    return bad ? refusal(host, bad.address).message : null
  } catch {
    return `${host} does not resolve`
  }
}

/**
 * The socket's own name lookup, checked: the connection goes to an address that was checked, so a
 * name that resolved to a public address at create time cannot later point the worker inward.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0)
    const bad = addresses.find((a) => !isPublicAddress(a.address))
    if (bad || addresses.length === 0) return callback(refusal(hostname, bad?.address ?? 'nothing'), '', 0)
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses)
    return callback(null, addresses[0].address, addresses[0].family)
  })
}

export interface SendOptions {
  allowPrivate: boolean
  /** time to open the connection (TCP and TLS) */
  connectTimeoutMs: number
  /** time from sending the request to the end of the response */
  timeoutMs: number
  signal?: AbortSignal
}

/** An HTTP status, or why there is none (timeout, refused, private target). */
export type SendResult = { status: number, error: null } | { status: null, error: string }

// Kept-alive connections: a busy subscription reuses one instead of a handshake per delivery. The
// address is checked when a connection is opened (guardedLookup), and a kept-alive one stays with
// that address whatever the name resolves to later. Connections opened without the check (private
// targets allowed) are pooled apart, so one is never reused where the check applies.
const keptAlive = () => ({ 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) })
const agents = { checked: keptAlive(), unchecked: keptAlive() }

/** POSTs the body; never follows redirects (a 3xx is a failed attempt) and reads no more of the answer than its status. */
export function postWebhook (url: string, headers: Record<string, string>, body: string, opts: SendOptions): Promise<SendResult> {
  return new Promise((resolve) => {
    const u = new URL(url)
    const host = bare(u.hostname)
    if (!opts.allowPrivate && isIP(host) && !isPublicAddress(host)) {
      resolve({ status: null, error: refusal(host, host).message })
      return
    }
    let settled = false
    const done = (result: SendResult) => {
      if (settled) return
      settled = true
      clearTimeout(total)
      resolve(result)
    }
    const request = (u.protocol === 'https:' ? https : http).request(u, {
      method: 'POST',
      agent: agents[opts.allowPrivate ? 'unchecked' : 'checked'][u.protocol as 'http:' | 'https:'],
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ...(opts.allowPrivate ? {} : { lookup: guardedLookup }),
      signal: opts.signal
    })
    const total = setTimeout(() => request.destroy(new Error(`no complete response within ${opts.timeoutMs} ms`)), opts.timeoutMs)
    request.on('socket', (socket) => {
      if (!socket.connecting) return
      const connect = setTimeout(() => request.destroy(new Error(`could not connect within ${opts.connectTimeoutMs} ms`)), opts.connectTimeoutMs)
      socket.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connect))
      socket.once('close', () => clearTimeout(connect))
    })
    request.on('response', (response) => {
      response.on('error', (err) => done({ status: null, error: err.message }))
      response.on('end', () => done({ status: response.statusCode ?? 0, error: null }))
      response.resume()
    })
    request.on('error', (err) => done({ status: null, error: err.message }))
    request.end(body)
  })
}
