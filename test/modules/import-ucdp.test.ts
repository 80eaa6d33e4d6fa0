import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor } from '../factories/index.ts'

let t: TestContext
const fixture = readFileSync(new URL('../fixtures/ucdp-ged-sample.csv', import.meta.url), 'utf8')
const [header, ...rows] = fixture.trimEnd().split('\n')
const post = (body: string, query = '?from=ucdp-ged') =>
  t.http().post(`/v1/import${query}`).set(t.auth()).set('content-type', 'text/csv; charset=utf-8').send(body)

interface Report { reportedById: string, affectedActorId: string | null, min: number, max: number | null, qualifier: string, groups: string[], note: string | null }

const incidentOf = async (gedId: string) => {
  const res = await t.http().get(`/v1/incidents?externalId=ucdp:${gedId}&include=casualties,actors,sources`)
  expect(res.body.data).toHaveLength(1)
  return res.body.data[0]
}
const names = async (ids: Array<string | null>) =>
  Promise.all(ids.map(async (id) => (id === null ? null : (await t.http().get(`/v1/actors/${id}`)).body.name)))
const counts = async () => ({
  actors: await t.app.db.actor.count(),
  incidents: await t.app.db.incident.count(),
  reports: await t.app.db.casualtyReport.count(),
  changes: await t.app.db.change.count()
})

beforeAll(async () => {
  t = await createTestApp()
})

describe('POST /v1/import?from=ucdp-ged', () => {
  it('when the sample GED rows are imported, then UCDP reports the range and the deaths of each side', async () => {
    // Matched by UCDP id although the name differs; "Taleban" is matched by an alias.
    const pakistan = await createActor(t, { name: 'Pakistan', kind: 'state', externalIds: { ucdp: '139' } })
    const taliban = await createActor(t, { name: 'Afghan Taliban', kind: 'armed_group', aliases: ['Taleban'] })
    const res = await post(fixture)
    expectMatchesSpec(res, 'post', '/v1/import')
    expect(res.status).toBe(200)
    expect(res.body.created).toMatchObject({ incident: 4, source: 4 })

    const clash = await incidentOf('562301')
    expect(clash).toMatchObject({
      type: 'armed_clash',
      title: 'Government of Pakistan - TTP in Khar town, Bajaur district',
      occurredAt: '2025-10-11T00:00:00.000Z',
      endedAt: null,
      datePrecision: 'day',
      countryCodes: ['PK'],
      location: { name: 'Khar town, Bajaur district', admin1: 'Khyber Pakhtunkhwa province', lat: 34.725, lon: 71.525, precision: 'exact' },
      externalIds: { ucdp: '562301' }
    })
    expect(clash.actors.map((a: { actorId: string, role: string }) => [a.actorId, a.role])).toEqual([[pakistan.id, 'perpetrator'], [expect.any(String), 'target']])
    const ttp = clash.actors[1].actor
    expect(ttp).toMatchObject({ name: 'TTP', kind: 'armed_group', externalIds: { ucdp: '1118' } })
    expect(clash.sources[0]).toMatchObject({ url: 'https://ucdp.uu.se/event/562301', title: 'Security forces repulse TTP attack in Bajaur' })
    const reports: Report[] = clash.casualtyReports
    const ucdp = reports[0].reportedById
    expect(await names([ucdp])).toEqual(['UCDP'])
    expect(reports.every((r) => r.reportedById === ucdp)).toBe(true)
    expect(await Promise.all(reports.map(async (r) => [(await names([r.affectedActorId]))[0], r.qualifier, r.min, r.max, r.groups]))).toEqual([
      [null, 'range', 12, 15, []],
      ['Pakistan', 'exact', 2, null, []],
      ['TTP', 'exact', 9, null, []],
      ['Civilians', 'exact', 1, null, ['civilians']]
    ])
    expect(reports[0].note).toBe('UCDP GED estimates: low 12, best 12, high 15')

    // One-sided violence over a date range (date_prec 2): the civilians are the victims and their dead one figure.
    const bombing = await incidentOf('562388')
    expect(bombing).toMatchObject({ type: 'attack_on_civilians', occurredAt: '2025-09-01T00:00:00.000Z', endedAt: '2025-09-05T00:00:00.000Z', datePrecision: 'week', location: { precision: 'near' } })
    expect(bombing.actors.map((a: { actor: { name: string }, role: string }) => [a.actor.name, a.role])).toEqual([['IS', 'perpetrator'], ['Civilians', 'victim']])
    expect(bombing.casualtyReports.map((r: Report) => [r.qualifier, r.min, r.groups])).toEqual([['exact', 5, []], ['exact', 5, ['civilians']]])
    expect(bombing.casualtyReports[1].affectedActorId).toBe(bombing.actors[1].actorId)

    // Low clarity, a month, a province; best 0 with a high of 2; the same IS actor; Taleban matched by alias.
    const clashes = await incidentOf('562402')
    expect(clashes).toMatchObject({ datePrecision: 'month', location: { precision: 'admin1' } })
    expect(clashes.summary).toContain('low clarity')
    expect(clashes.actors.map((a: { actorId: string }) => a.actorId)).toEqual([bombing.actors[0].actorId, taliban.id])
    expect(clashes.casualtyReports.map((r: Report) => [r.affectedActorId, r.qualifier, r.min, r.max])).toEqual([[null, 'range', 0, 2]])

    // A country UCDP names with its former name; only the country is known; an unknown side.
    const congo = await incidentOf('562455')
    expect(congo).toMatchObject({ countryCodes: ['CD'], datePrecision: 'year', location: { precision: 'country', name: 'DR Congo (Zaire)' }, endedAt: '2025-07-15T00:00:00.000Z' })
    expect(congo.casualtyReports[0].note).toBe('UCDP GED estimates: low 6, best 8, high 10; 1 of the best estimate on an unknown side')
  })

  it('when the file comes again, then nothing changes; when a row\'s estimates change, then its figures are rewritten', async () => {
    const before = await counts()
    const again = await post(fixture)
    expect(again.status).toBe(200)
    expect(again.body.created).toEqual({ actor: 0, source: 0, incident: 0, casualtyReport: 0, statement: 0 })
    expect(again.body.unchanged).toBe(4 + 10)
    expect(await counts()).toEqual(before)

    const first = await incidentOf('562301')
    const revised = rows[0].replace(',2,9,1,0,12,15,12,', ',3,9,1,0,13,16,13,')
    const res = await post(`${header}\n${revised}\n`)
    expect(res.status).toBe(200)
    // The incident itself is rewritten too: its fatality roll-up moved with the figures.
    expect(res.body.updated).toMatchObject({ incident: 1, casualtyReport: 2 })
    expect(res.body.unchanged).toBe(2)
    const after = await incidentOf('562301')
    expect(after.id).toBe(first.id)
    expect(after.casualtyReports.map((r: Report) => r.min)).toEqual([13, 3, 9, 1])
    expect(after.casualtyReports.map((r: { id: string }) => r.id)).toEqual(first.casualtyReports.map((r: { id: string }) => r.id))
    expect(await counts()).toEqual({ ...before, changes: before.changes + 3 })
  })

  it('when rows cannot be mapped, then the 400 lists each with its line, and nothing is written', async () => {
    const before = await counts()
    const bad = [
      rows[0].replace('562301', '990001').replace(',1,209,209,', ',4,209,209,'),
      rows[1].replace('562388', '990002').replace(',5,5,5,700,', ',5,4,5,700,'),
      rows[2].replace('562402', '990003').replace('2025-08-31 00:00:00.000', '2025-07-31 00:00:00.000'),
      rows[3].replace('562455', '990004').replace(',DR Congo (Zaire),490,', ',Atlantis,490,')
    ]
    const res = await post(`${header}\n${bad.join('\n')}\n`)
    expectMatchesSpec(res, 'post', '/v1/import')
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { line: number, path: string }) => [e.line, e.path])).toEqual([[2, 'type_of_violence'], [3, 'best'], [4, 'date_end'], [5, 'country']])
    expect(await counts()).toEqual(before)
  })
})
