import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor } from '../factories/index.ts'

let t: TestContext
const fixture = readFileSync(new URL('../fixtures/acled-sample.csv', import.meta.url), 'utf8')
const [header, ...rows] = fixture.split(/\n(?=[A-Z]{3}\d)/)
const post = (body: string, query = '?from=acled', type = 'text/csv') =>
  t.http().post(`/v1/import${query}`).set(t.auth()).set('content-type', type).send(body)

const incidentOf = async (acledId: string) => {
  const res = await t.http().get(`/v1/incidents?externalId=acled:${acledId}&include=casualties,actors,sources`)
  expect(res.body.data).toHaveLength(1)
  return res.body.data[0]
}
const counts = async () => ({
  actors: await t.app.db.actor.count(),
  sources: await t.app.db.source.count(),
  incidents: await t.app.db.incident.count(),
  reports: await t.app.db.casualtyReport.count(),
  changes: await t.app.db.change.count()
})

beforeAll(async () => {
  t = await createTestApp()
})

describe('POST /v1/import?from=acled', () => {
  it('when the sample export is imported, then every row is an incident with its actors, source and ACLED\'s figure', async () => {
    const existing = await createActor(t, { name: 'Tehrik-i-Taliban Pakistan', kind: 'armed_group', aliases: ['TTP: Tehrik-i-Taliban Pakistan'] })
    const res = await post(fixture)
    expectMatchesSpec(res, 'post', '/v1/import')
    expect(res.status).toBe(200)
    expect(res.body.created).toMatchObject({ incident: 4, casualtyReport: 4, source: 4 })
    expect(res.body.updated).toMatchObject({ incident: 0, casualtyReport: 0 })

    const clash = await incidentOf('PAK141203')
    expect(clash).toMatchObject({
      type: 'armed_clash',
      title: 'Armed clash in Khar, Pakistan',
      occurredAt: '2025-10-11T00:00:00.000Z',
      datePrecision: 'day',
      countryCodes: ['PK'],
      location: { name: 'Khar', admin1: 'Khyber Pakhtunkhwa', countryCode: 'PK', lat: 34.725, lon: 71.525, precision: 'exact' },
      externalIds: { acled: 'PAK141203' },
      acled: { eventType: 'Battles', subEventType: 'Armed clash' },
      fatalities: { low: 12, best: 12, high: 12 }
    })
    expect(clash.summary).toContain('the military said "militants" attacked a checkpost')
    // The TTP is the actor that already has ACLED's name as an alias: matched, not created again.
    expect(clash.actors.map((a: { actor: { name: string }, role: string }) => [a.actor.name, a.role])).toEqual([
      ['Military Forces of Pakistan (2018-)', 'perpetrator'],
      ['Police Forces of Pakistan (2018-)', 'perpetrator'],
      ['Tehrik-i-Taliban Pakistan', 'target']
    ])
    expect(clash.actors[2].actorId).toBe(existing.id)
    expect(clash.actors[0].actor).toMatchObject({ kind: 'military', externalIds: { acled: 'Military Forces of Pakistan (2018-)' } })
    expect(clash.sources[0]).toMatchObject({ url: 'https://api.acleddata.com/acled/read?event_id_cnty=PAK141203', publisher: 'Dawn; Express Tribune', kind: 'report' })
    const [figure] = clash.casualtyReports
    expect(figure).toMatchObject({ category: 'killed', min: 12, max: null, qualifier: 'exact', affectedActorId: null, reportedAt: '2025-10-17T00:00:00.000Z' })
    const acled = (await t.http().get(`/v1/actors/${figure.reportedById}`)).body
    expect(acled).toMatchObject({ name: 'ACLED', kind: 'ngo' })

    // time_precision 2 and geo_precision 2; civilians are the victims; the same Pakistani forces, not a second actor.
    const strike = await incidentOf('AFG78412')
    expect(strike).toMatchObject({ type: 'airstrike', datePrecision: 'week', countryCodes: ['AF'], location: { precision: 'near' }, tags: ['civilian-targeting', 'women-targeted-girls'] })
    expect(strike.actors.map((a: { role: string }) => a.role)).toEqual(['perpetrator', 'victim'])
    expect(strike.actors[0].actorId).toBe(clash.actors[0].actorId)

    // time_precision 3, geo_precision 3, several associated actors, a note over two lines, zero fatalities.
    const protest = await incidentOf('PAK141250')
    expect(protest).toMatchObject({ type: 'protest', datePrecision: 'month', location: { precision: 'admin1' }, fatalities: { low: 0, best: 0, high: 0 } })
    expect(protest.actors.map((a: { actor: { name: string } }) => a.actor.name)).toEqual(['Protesters (Pakistan)', 'PTI: Pakistan Tehreek-i-Insaf', 'Students (Pakistan)'])
    expect(protest.summary).toContain('border clashes.\nThe protest was peaceful.')

    // An old-style date and numeric actor types; an agreement is the general type, not a ceasefire.
    const agreement = await incidentOf('AFG78460')
    expect(agreement).toMatchObject({ type: 'agreement', occurredAt: '2025-10-14T00:00:00.000Z', actors: [{ role: 'other' }, { role: 'other' }] })
    expect(agreement.actors[0].actor.kind).toBe('military')
  })

  it('when the same file is imported again, then nothing is added or changed, not even the change log', async () => {
    const before = await counts()
    const res = await post(fixture)
    expect(res.status).toBe(200)
    expect(res.body.created).toEqual({ actor: 0, source: 0, incident: 0, casualtyReport: 0, statement: 0 })
    expect(res.body.updated).toEqual({ actor: 0, source: 0, incident: 0, casualtyReport: 0, statement: 0 })
    expect(res.body.unchanged).toBe(8)
    expect(await counts()).toEqual(before)
  })

  it('when an edited row comes again, then its incident and figure are rewritten in place, and other reporters\' figures stay', async () => {
    const first = await incidentOf('PAK141203')
    const ispr = await createActor(t, { name: 'ISPR', kind: 'military' })
    await addCasualtyReport(t, first.id, { reportedById: ispr.id, category: 'killed', min: 15, qualifier: 'exact' })
    const confirmed = await t.http().patch(`/v1/incidents/${first.id}`).set(t.auth()).set('content-type', 'application/merge-patch+json').send({ status: 'confirmed' })
    expect(confirmed.status).toBe(200)
    const before = await counts()
    const edited = rows[0].replace(',12,,1760659200', ',14,,1760745600').replace('12 fatalities.', '14 fatalities.')
    const res = await post(`${header}\n${edited}\n`)
    expect(res.status).toBe(200)
    expect(res.body.updated).toMatchObject({ incident: 1, casualtyReport: 1 })
    expect(res.body.created.incident).toBe(0)

    const after = await incidentOf('PAK141203')
    expect(after.id).toBe(first.id)
    expect(after.version).toBe(first.version + 3)
    expect(after.summary).toContain('14 fatalities.')
    expect(after.status).toBe('confirmed')
    expect(after.casualtyReports.map((r: { min: number }) => r.min).sort()).toEqual([14, 15])
    expect(after.fatalities).toEqual({ low: 14, best: 14, high: 15 })
    expect(await counts()).toEqual({ ...before, changes: before.changes + 2 })
    const revisions = (await t.http().get(`/v1/incidents/${first.id}/revisions`)).body.data
    expect(revisions.find((r: { version: number }) => r.version === after.version)).toMatchObject({ action: 'updated' })
  })

  it('when rows cannot be mapped, then the 400 lists each with its line and column, and nothing is written', async () => {
    const before = await counts()
    const bad = [
      rows[0].replace('PAK141203', 'PAK900001').replace('Armed clash', 'Alien landing'),
      rows[1].replace('AFG78412', 'AFG900002').replace('32.8140', '132.8'),
      rows[3].replace('AFG78460', 'AFG900003').replace('14 October 2025', '31 September 2025')
    ]
    const res = await post(`${header}\n${rows[2].replace('PAK141250', 'PAK900004')}\n${bad.join('\n')}\n`)
    expectMatchesSpec(res, 'post', '/v1/import')
    expect(res.status).toBe(400)
    // The protest row spans lines 2 and 3: the bad rows start on lines 4, 5 and 6.
    expect(res.body.errors.map((e: { line: number, path: string }) => [e.line, e.path])).toEqual([[4, 'sub_event_type'], [5, 'latitude'], [6, 'event_date']])
    expect(res.body.errors[0].message).toContain('Battles: Alien landing')
    expect(await counts()).toEqual(before)
  })

  it('when an event id comes twice or a column is missing, then 400 says so', async () => {
    const twice = await post(`${header}\n${rows[0]}\n${rows[0]}\n`)
    expect(twice.status).toBe(400)
    expect(twice.body.errors).toEqual([{ in: 'body', line: 3, path: 'event_id_cnty', message: 'event_id_cnty PAK141203 is already on line 2' }])
    const missing = await post(header.replace(',fatalities', '') + '\n')
    expect(missing.status).toBe(400)
    expect(missing.body.errors[0].message).toMatch(/no data rows|lacks the column\(s\) fatalities/)
    const ragged = await post(`${header}\n1,2,3\n`)
    expect(ragged.status).toBe(400)
    expect(ragged.body.errors[0]).toMatchObject({ line: 2 })
  })

  it('when the body is not CSV or from= is unknown, then 415 or 400', async () => {
    const ndjson = await post(fixture, '?from=acled', 'application/x-ndjson')
    expectMatchesSpec(ndjson, 'post', '/v1/import')
    expect(ndjson.status).toBe(415)
    const csvWithoutFrom = await post(fixture, '')
    expect(csvWithoutFrom.status).toBe(415)
    const unknown = await post(fixture, '?from=gdelt')
    expect(unknown.status).toBe(400)
    expect(unknown.body.errors[0].path).toBe('from')
  })

  it('when dryRun=true, then the rows are checked and nothing is written', async () => {
    const before = await counts()
    const res = await post(`${header}\n${rows[0].replace('PAK141203', 'PAK900010')}\n`, '?from=acled&dryRun=true')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ dryRun: true, created: { incident: 1 } })
    expect(await counts()).toEqual(before)
  })
})

describe('npm run import -- --from acled', () => {
  it('imports an ACLED export against DATABASE_URL and says what it created and updated', async () => {
    const file = join(tmpdir(), `sitrep-acled-${process.pid}.csv`)
    await writeFile(file, `${header}\n${rows[0].replace('PAK141203', 'PAK900020')}\n`)
    const run = promisify(execFile)
    const root = new URL('../../', import.meta.url).pathname
    const env = { ...process.env, DATABASE_URL: t.databaseUrl }
    const ok = await run(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', '--from', 'acled', file], { cwd: root, env })
    expect(ok.stdout).toMatch(/^imported 3 records \(1 source, 1 incident, 1 casualtyReport\) in .*\nupdated none; 0 unchanged\n$/)
    const again = await run(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', '--from', 'acled', file], { cwd: root, env })
    expect(again.stdout).toContain('updated none; 2 unchanged')
    const bad = await run(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', '--from', 'acled-csv', file], { cwd: root, env }).catch((e) => e)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--from takes acled or ucdp-ged')
  }, 60_000)
})
