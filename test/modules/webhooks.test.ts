import { Webhook } from 'standardwebhooks'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { eventually, startReceiver, type Received } from '../helpers/webhook-receiver.ts'
import { addCasualtyReport, createActor, createIncident } from '../factories/index.ts'

let t: TestContext

beforeAll(async () => {
  t = await createTestApp({
    webhooks: { worker: true, allowPrivate: true, pollMs: 30, retryScheduleMs: [50, 100], disableAfterMs: 3_600_000, connectTimeoutMs: 1000, timeoutMs: 1000, concurrency: 8, secretGraceSeconds: 3600 }
  })
})

async function subscribe (body: Record<string, unknown>) {
  const res = await t.http().post('/v1/webhooks').set(t.auth('admin')).send(body)
  expectMatchesSpec(res, 'POST', '/v1/webhooks')
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as { id: string, secret: string, url: string, events: string[], filter: string | null, enabled: boolean, version: number }
}

async function deliveries (id: string, query = '') {
  const res = await t.http().get(`/v1/webhooks/${id}/deliveries${query}`).set(t.auth('admin'))
  expectMatchesSpec(res, 'GET', `/v1/webhooks/${id}/deliveries`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data as Array<{ id: string, seq: number, eventType: string, status: string, attempts: number, lastResponseCode: number | null }>
}

/** Verified as a receiver would, with the standardwebhooks library; throws when no signature matches. */
const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string, data: any }

describe('POST /v1/webhooks', () => {
  it('when an admin subscribes, then 201 answers the whsec_ secret once, and reads never show it', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['incident.created', 'statement.*'], filter: 'type=airstrike&country=AF' })
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(hook).toMatchObject({ url: receiver.url, events: ['incident.created', 'statement.*'], filter: 'type=airstrike&country=AF', enabled: true, version: 1 })
    const one = await t.http().get(`/v1/webhooks/${hook.id}`).set(t.auth('admin'))
    expectMatchesSpec(one, 'GET', `/v1/webhooks/${hook.id}`)
    expect(one.status).toBe(200)
    expect(one.headers['cache-control']).toBe('no-store')
    expect(one.text).not.toContain(hook.secret.slice(6))
    const list = await t.http().get('/v1/webhooks?limit=500').set(t.auth('admin'))
    expectMatchesSpec(list, 'GET', '/v1/webhooks')
    expect(list.body.data.map((w: { id: string }) => w.id)).toContain(hook.id)
    expect(list.text).not.toContain(hook.secret.slice(6))
  })

  it.each([
    [{ url: 'http://127.0.0.1/x', events: ['incident.made'] }, 'events.0'],
    [{ url: 'http://127.0.0.1/x', events: [] }, 'events'],
    [{ url: 'ftp://127.0.0.1/x', events: ['incident.*'] }, 'url'],
    [{ url: 'http://user:pw@127.0.0.1/x', events: ['incident.*'] }, 'url'],
    [{ url: 'http://127.0.0.1/x', events: ['incident.*'], filter: 'kind=airstrike' }, 'filter'],
    [{ url: 'http://127.0.0.1/x', events: ['incident.*'], filter: 'type=bombardment' }, 'filter.type'],
    [{ url: 'http://127.0.0.1/x', events: ['incident.*'], filter: 'radiusKm=5' }, 'filter.radiusKm'],
    [{ url: 'http://127.0.0.1/x', events: ['incident.*'], secret: 'whsec_mine' }, 'secret']
  ])('when the body is %o, then 400 names %s', async (body, path) => {
    const res = await t.http().post('/v1/webhooks').set(t.auth('admin')).send(body)
    expectMatchesSpec(res, 'POST', '/v1/webhooks')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(res.body.errors.map((e: { path: string }) => e.path), JSON.stringify(res.body)).toContain(path)
  })

  it('when the key lacks admin scope, then 401 without a key and 403 with a write key', async () => {
    const anonymous = await t.http().post('/v1/webhooks').send({ url: 'http://127.0.0.1/x', events: ['incident.*'] })
    expect(anonymous.status).toBe(401)
    const writer = await t.http().get('/v1/webhooks').set(t.auth('write'))
    expectMatchesSpec(writer, 'GET', '/v1/webhooks')
    expect(writer.status).toBe(403)
  })
})

describe('delivery', () => {
  it('when a matching change is committed, then it is POSTed with Standard Webhooks headers the standardwebhooks library verifies', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['incident.created'] })
    const incident = await createIncident(t, { type: 'airstrike' })
    const [request] = await eventually(() => receiver.received.length > 0 && receiver.received, 10_000, 'a delivery')
    expect(request.headers['content-type']).toBe('application/json')
    expect(Number(request.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60)
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    const payload = verify(hook.secret, request)
    expect(payload.type).toBe('incident.created')
    expect(payload.data).toMatchObject({ entity: 'incident', id: incident.id, action: 'created', version: 1 })
    expect(payload.data.record).toMatchObject({ id: incident.id, type: 'airstrike', title: incident.title })
    // A signature under another secret does not verify.
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request)).toThrow()
    const [delivery] = await eventually(async () => { const d = await deliveries(hook.id); return d[0]?.status === 'succeeded' && d }, 5000, 'succeeded')
    expect(delivery).toMatchObject({ id: request.headers['webhook-id'], eventType: 'incident.created', status: 'succeeded', attempts: 1, lastResponseCode: 200, seq: payload.data.seq })
  })

  it('when several changes commit, then a subscription receives them once each, in change order', async () => {
    const receiver = await startReceiver()
    await subscribe({ url: receiver.url, events: ['actor.*'] })
    const actors = []
    for (let i = 0; i < 12; i++) actors.push(await createActor(t))
    await t.http().patch(`/v1/actors/${actors[0].id}`).set(t.auth()).set('content-type', 'application/merge-patch+json').send({ description: 'edited' }).expect(200)
    await eventually(() => receiver.received.length >= 13, 10_000, '13 deliveries')
    const bodies = receiver.bodies()
    expect(bodies.map((b) => b.data.id)).toEqual([...actors.map((a) => a.id), actors[0].id])
    expect(bodies.map((b) => b.type)).toEqual([...actors.map(() => 'actor.created'), 'actor.updated'])
    const seqs = bodies.map((b) => b.data.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(13)
  })

  it('when the subscription has an incident filter, then only incidents it matches are delivered (deletions of them too)', async () => {
    const receiver = await startReceiver()
    await subscribe({ url: receiver.url, events: ['incident.*', 'actor.created'], filter: 'type=airstrike&country=AF' })
    await createIncident(t, { type: 'shelling', countryCodes: ['AF'] })
    const wanted = await createIncident(t, { type: 'airstrike', countryCodes: ['AF'] })
    await createIncident(t, { type: 'airstrike', countryCodes: ['PK'] })
    const actor = await createActor(t)
    await t.http().delete(`/v1/incidents/${wanted.id}`).set(t.auth()).expect(204)
    await eventually(() => receiver.received.length >= 3, 10_000, 'three deliveries')
    // One poll more, so a wrong delivery would have arrived.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.bodies().map((b) => [b.type, b.data.id])).toEqual([
      ['incident.created', wanted.id],
      ['actor.created', actor.id],
      ['incident.deleted', wanted.id]
    ])
  })

  it('when the subscription has an incident filter, then casualty reports and statements are delivered when their incident matches (a statement when any of its incidents does, never one about none)', async () => {
    const receiver = await startReceiver()
    await subscribe({ url: receiver.url, events: ['casualtyReport.*', 'statement.*'], filter: 'type=airstrike&country=AF' })
    const matching = await createIncident(t, { type: 'airstrike', countryCodes: ['AF'] })
    const other = await createIncident(t, { type: 'airstrike', countryCodes: ['PK'] })
    const speaker = await createActor(t)
    await addCasualtyReport(t, other.id, { min: 3 })
    const report = await addCasualtyReport(t, matching.id, { min: 2 })
    const statement = async (incidentIds: string[]) => {
      const res = await t.http().post('/v1/statements').set(t.auth())
        .send({ speakerId: speaker.id, kind: 'claim', summary: `about ${incidentIds.length} incident(s)`, language: 'en', statedAt: '2025-10-10T12:00:00Z', incidentIds })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      return res.body as { id: string }
    }
    await statement([other.id])
    const aboutBoth = await statement([other.id, matching.id])
    await statement([])
    await t.http().delete(`/v1/casualties/${report.id}`).set(t.auth()).expect(204)
    await eventually(() => receiver.received.length >= 3, 10_000, 'three deliveries')
    // One poll more, so a wrong delivery would have arrived.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.bodies().map((b) => [b.type, b.data.id])).toEqual([
      ['casualtyReport.created', report.id],
      ['statement.created', aboutBoth.id],
      ['casualtyReport.deleted', report.id]
    ])
  })

  it('when an event is not subscribed, then nothing is delivered for it', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['statement.created'] })
    await createActor(t)
    await createIncident(t)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.received).toHaveLength(0)
    expect(await deliveries(hook.id)).toHaveLength(0)
  })
})

describe('POST /v1/webhooks/{id}/rotate-secret', () => {
  it('when the secret is rotated, then both sign during the grace period, the new one first', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['actor.created'] })
    const res = await t.http().post(`/v1/webhooks/${hook.id}/rotate-secret`).set(t.auth('admin')).send({})
    expectMatchesSpec(res, 'POST', `/v1/webhooks/${hook.id}/rotate-secret`)
    expect(res.status).toBe(200)
    expect(res.body.secret).toMatch(/^whsec_/)
    expect(res.body.secret).not.toBe(hook.secret)
    expect(Date.parse(res.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000)
    await createActor(t)
    const [request] = await eventually(() => receiver.received.length > 0 && receiver.received, 10_000, 'a delivery')
    const signatures = String(request.headers['webhook-signature']).split(' ')
    expect(signatures).toHaveLength(2)
    expect(verify(res.body.secret, request).type).toBe('actor.created')
    expect(verify(hook.secret, request).type).toBe('actor.created')
    expect(() => verify(res.body.secret, { ...request, headers: { ...request.headers, 'webhook-signature': signatures[1] } })).toThrow()
  })

  it('when the grace period is 0, then only the new secret signs', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['actor.created'] })
    const res = await t.http().post(`/v1/webhooks/${hook.id}/rotate-secret`).set(t.auth('admin')).send({ gracePeriodSeconds: 0 })
    expect(res.status).toBe(200)
    expect(res.body.previousSecretExpiresAt).toBeNull()
    await createActor(t)
    const [request] = await eventually(() => receiver.received.length > 0 && receiver.received, 10_000, 'a delivery')
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(1)
    expect(verify(res.body.secret, request).type).toBe('actor.created')
    expect(() => verify(hook.secret, request)).toThrow()
  })
})

describe('PATCH and DELETE /v1/webhooks/{id}', () => {
  it('when an admin disables a subscription, then it says by whom and nothing is delivered until it is re-enabled, which resumes where it stopped', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['actor.created'] })
    const off = await t.http().patch(`/v1/webhooks/${hook.id}`).set(t.auth('admin')).set('if-match', '"1"').send({ enabled: false })
    expectMatchesSpec(off, 'PATCH', `/v1/webhooks/${hook.id}`)
    expect(off.status).toBe(200)
    expect(off.body).toMatchObject({ enabled: false, disabledReason: 'disabled by admin', version: 2 })
    const actor = await createActor(t)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.received).toHaveLength(0)
    const stale = await t.http().patch(`/v1/webhooks/${hook.id}`).set(t.auth('admin')).set('if-match', '"1"').send({ enabled: true })
    expectMatchesSpec(stale, 'PATCH', `/v1/webhooks/${hook.id}`)
    expect(stale.status).toBe(412)
    const on = await t.http().patch(`/v1/webhooks/${hook.id}`).set(t.auth('admin')).send({ enabled: true, filter: null })
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, version: 3 })
    await eventually(() => receiver.received.length > 0, 10_000, 'the delivery after re-enabling')
    expect(receiver.bodies()[0].data.id).toBe(actor.id)
  })

  it('when a subscription is deleted, then 204, its reads are 404 and its deliveries are gone', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['actor.created'] })
    await createActor(t)
    await eventually(() => receiver.received.length > 0, 10_000, 'a delivery')
    const res = await t.http().delete(`/v1/webhooks/${hook.id}`).set(t.auth('admin'))
    expectMatchesSpec(res, 'DELETE', `/v1/webhooks/${hook.id}`)
    expect(res.status).toBe(204)
    const gone = await t.http().get(`/v1/webhooks/${hook.id}`).set(t.auth('admin'))
    expectMatchesSpec(gone, 'GET', `/v1/webhooks/${hook.id}`)
    expect(gone.status).toBe(404)
    const list = await t.http().get(`/v1/webhooks/${hook.id}/deliveries`).set(t.auth('admin'))
    expect(list.status).toBe(404)
    const { rows } = await t.app.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1', [hook.id])
    expect(rows[0].n).toBe(0)
  })
})

describe('POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', () => {
  it('when a delivery is redelivered, then it is sent again with the same webhook-id and its attempts count on', async () => {
    const receiver = await startReceiver()
    const hook = await subscribe({ url: receiver.url, events: ['actor.created'] })
    await createActor(t)
    const [first] = await eventually(async () => { const d = await deliveries(hook.id); return d[0]?.status === 'succeeded' && d }, 10_000, 'a delivery')
    const res = await t.http().post(`/v1/webhooks/${hook.id}/deliveries/${first.id}/redeliver`).set(t.auth('admin'))
    expectMatchesSpec(res, 'POST', `/v1/webhooks/${hook.id}/deliveries/${first.id}/redeliver`)
    expect(res.status).toBe(202)
    expect(res.body).toMatchObject({ id: first.id, status: 'pending' })
    await eventually(() => receiver.received.length >= 2, 10_000, 'the redelivery')
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([first.id, first.id])
    expect(receiver.received[1].body).toBe(receiver.received[0].body)
    const [again] = await eventually(async () => { const d = await deliveries(hook.id); return d[0]?.attempts === 2 && d }, 5000, 'two attempts')
    expect(again).toMatchObject({ status: 'succeeded', attempts: 2, lastResponseCode: 200 })
    const missing = await t.http().post(`/v1/webhooks/${hook.id}/deliveries/0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10/redeliver`).set(t.auth('admin'))
    expectMatchesSpec(missing, 'POST', `/v1/webhooks/${hook.id}/deliveries/0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10/redeliver`)
    expect(missing.status).toBe(404)
  })
})
