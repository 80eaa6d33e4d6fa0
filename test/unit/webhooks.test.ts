import { createServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { matchesEvents, parseIncidentFilter } from '../../src/modules/webhooks/events.ts'
import { newWebhookSecret, signature, signatureHeader } from '../../src/modules/webhooks/sign.ts'
import { isPublicAddress, postWebhook, targetProblem } from '../../src/modules/webhooks/target.ts'

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '255.255.255.255',
    '224.0.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'ff02::1', 'not an address'
  ])('when the address is %s, then it is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false)
  })

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('when the address is %s, then it is public', (address) => {
    expect(isPublicAddress(address)).toBe(true)
  })
})

describe('matchesEvents', () => {
  it('matches exact types and wildcards on either side', () => {
    expect(matchesEvents(['incident.created'], 'incident', 'created')).toBe(true)
    expect(matchesEvents(['incident.created'], 'incident', 'updated')).toBe(false)
    expect(matchesEvents(['statement.*'], 'statement', 'deleted')).toBe(true)
    expect(matchesEvents(['statement.*'], 'actor', 'deleted')).toBe(false)
    expect(matchesEvents(['*.deleted'], 'casualtyReport', 'deleted')).toBe(true)
    expect(matchesEvents(['*.*'], 'source', 'created')).toBe(true)
  })
})

describe('parseIncidentFilter', () => {
  it('when the filter uses the /v1/incidents syntax, then it parses to the list\'s filters', () => {
    expect(parseIncidentFilter('type=airstrike,shelling&country=AF&minFatalities=3')).toEqual({ filters: { type: ['airstrike', 'shelling'], country: ['AF'], minFatalities: 3 } })
    expect(parseIncidentFilter('?contested=true')).toEqual({ filters: { contested: true } })
  })

  it('when a key is unknown, repeated or a value is bad, then each is named under filter.', () => {
    expect(parseIncidentFilter('sort=-occurredAt')).toEqual({ errors: [expect.objectContaining({ path: 'filter', message: 'unknown incident filter: sort' })] })
    expect(parseIncidentFilter('type=airstrike&type=shelling')).toEqual({ errors: [expect.objectContaining({ path: 'filter.type' })] })
    expect(parseIncidentFilter('country=af')).toEqual({ errors: [expect.objectContaining({ path: 'filter.country' })] })
  })
})

describe('signatures', () => {
  it('when a body is signed, then the standardwebhooks library computes the same signature and verifies it', () => {
    const secret = newWebhookSecret()
    const body = JSON.stringify({ type: 'incident.created', data: { id: 'x', title: 'Ünïcode — ✓' } })
    const at = new Date()
    const timestamp = Math.floor(at.getTime() / 1000)
    const ours = signature(secret, 'msg_1', timestamp, body)
    expect(ours).toBe(new Webhook(secret).sign('msg_1', new Date(timestamp * 1000), body))
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader([newWebhookSecret(), secret], 'msg_1', timestamp, body) }
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow()
  })
})

describe('targets', () => {
  it('when private targets are not allowed, then a name resolving to loopback is refused at create and at delivery', async () => {
    const server = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      expect(await targetProblem(`http://localhost:${port}/`, false)).toMatch(/localhost resolves to 127\.0\.0\.1/)
      expect(await targetProblem(`http://localhost:${port}/`, true)).toBeNull()
      expect(await targetProblem('http://no-such-host.invalid/', false)).toMatch(/does not resolve/)
      const opts = { connectTimeoutMs: 1000, timeoutMs: 1000 }
      const refused = await postWebhook(`http://localhost:${port}/`, {}, '{}', { ...opts, allowPrivate: false })
      expect(refused).toEqual({ status: null, error: expect.stringMatching(/private, loopback or link-local/) })
      const literal = await postWebhook(`http://127.0.0.1:${port}/`, {}, '{}', { ...opts, allowPrivate: false })
      expect(literal.status).toBeNull()
      expect(await postWebhook(`http://localhost:${port}/`, {}, '{}', { ...opts, allowPrivate: true })).toEqual({ status: 200, error: null })
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('when the endpoint accepts the connection but never answers, then the attempt ends at the response timeout', async () => {
    const server = createServer(() => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const started = Date.now()
      const result = await postWebhook(`http://127.0.0.1:${port}/`, {}, '{}', { allowPrivate: true, connectTimeoutMs: 1000, timeoutMs: 200 })
      expect(result).toEqual({ status: null, error: 'no complete response within 200 ms' })
      expect(Date.now() - started).toBeLessThan(1000)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('when the TLS handshake never completes, then the attempt ends at the connect timeout', async () => {
    const sockets = new Set<Socket>()
    const server = createTcpServer((socket) => { sockets.add(socket) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const started = Date.now()
      const result = await postWebhook(`https://127.0.0.1:${port}/`, {}, '{}', { allowPrivate: true, connectTimeoutMs: 150, timeoutMs: 5000 })
      expect(result).toEqual({ status: null, error: 'could not connect within 150 ms' })
      expect(Date.now() - started).toBeLessThan(2000)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
