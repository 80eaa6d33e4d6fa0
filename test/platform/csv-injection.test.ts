import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { createActor, createIncident } from '../factories/index.ts'

// Spreadsheets run a cell that starts with = + - @ (and, in some, tab or CR). Every CSV export
// (incidents, statements, stats) prefixes such cells with ' so they stay text.
let t: TestContext
let actor: { id: string }
beforeAll(async () => {
  t = await createTestApp()
  actor = await createActor(t, { name: '=HYPERLINK("http://evil.example","open")' })
  for (const title of ['=1+1', '+1+1', '-1+1', '@SUM(A1)']) {
    await createIncident(t, { title, actors: [{ actorId: actor.id, role: 'perpetrator' }], tags: ['csv-injection'] })
  }
  for (const quote of ['\t=cmd|\' /C calc\'!A0', '\r=cmd']) {
    await t.http().post('/v1/statements').set(t.auth())
      .send({ speakerId: actor.id, kind: 'claim', summary: 'Formula quote', quote, language: 'en', statedAt: '2025-10-12T09:00:00Z' }).expect(201)
  }
})

/** The cells of a CSV that the API quoted (formula cells contain quotes or CR, so all are quoted). */
const cells = (csv: string) => [...csv.matchAll(/"((?:[^"]|"")*)"|([^,\n]+)/g)].map((m) => (m[1] ?? m[2]).replaceAll('""', '"'))

describe('CSV formula injection', () => {
  it('when incident titles start with = + - @, then the incident export prefixes each with a quote', async () => {
    const res = await t.http().get('/v1/incidents?format=csv&tag=csv-injection')
    expect(res.status).toBe(200)
    const values = cells(res.text)
    for (const title of ['=1+1', '+1+1', '-1+1', '@SUM(A1)']) {
      expect(values).toContain(`'${title}`)
      expect(values).not.toContain(title)
    }
  })

  it('when a verbatim quote starts with a tab or CR, then the statement export prefixes it too', async () => {
    const res = await t.http().get(`/v1/statements?speaker=${actor.id}`).set('accept', 'text/csv')
    expect(res.status).toBe(200)
    const values = cells(res.text)
    expect(values).toContain('\'\t=cmd|\' /C calc\'!A0')
    expect(values).toContain('\'\r=cmd')
  })

  it('when an actor name is a formula, then the stats export grouped by actor prefixes it', async () => {
    const res = await t.http().get('/v1/stats/incidents?groupBy=actor&tag=csv-injection&format=csv')
    expect(res.status).toBe(200)
    expect(res.text.split('\n')[0]).toBe('actor.id,actor.name,count,fatalities.low,fatalities.best,fatalities.high,contested')
    expect(cells(res.text)).toContain('\'=HYPERLINK("http://evil.example","open")')
  })
})
