import { expect } from 'vitest'
import type { TestContext } from '../helpers/app.ts'

// Builders that create records through the public API, so fixtures obey every rule a client meets.
async function created (t: TestContext, path: string, body: object): Promise<{ id: string } & Record<string, any>> {
  const res = await t.http().post(path).set(t.auth()).send(body)
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(201)
  return res.body
}

let serial = 0

export const createActor = (t: TestContext, body: Record<string, unknown> = {}) =>
  created(t, '/v1/actors', { name: `Actor ${++serial}`, kind: 'other', ...body })

export const createSource = (t: TestContext, body: Record<string, unknown> = {}) =>
  created(t, '/v1/sources', { url: `https://news.example.com/story-${++serial}`, title: 'A story', publisher: 'Example News', kind: 'news_article', language: 'en', ...body })

export const createIncident = (t: TestContext, body: Record<string, unknown> = {}) =>
  created(t, '/v1/incidents', {
    type: 'other',
    title: `Incident ${++serial}`,
    occurredAt: '2025-01-01T00:00:00Z',
    ...(body.location || body.countryCodes ? {} : { countryCodes: ['AF'] }),
    ...body
  })

export const addCasualtyReport = (t: TestContext, incidentId: string, body: Record<string, unknown>) =>
  created(t, `/v1/incidents/${incidentId}/casualties`, { category: 'killed', qualifier: 'exact', ...body })
