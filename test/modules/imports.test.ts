import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor } from '../factories/index.ts'

let t: TestContext
const ndjson = (...lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
const post = (body: string, query = '') =>
  t.http().post(`/v1/import${query}`).set(t.auth()).set('content-type', 'application/x-ndjson').send(body)

const counts = async () => ({
  actors: await t.app.db.actor.count(),
  incidents: await t.app.db.incident.count(),
  statements: await t.app.db.statement.count(),
  changes: await t.app.db.change.count()
})

// A small story whose lines come in an awkward order: the statement first, its speaker last.
const story = () => ndjson(
  { entity: 'statement', ref: 'denial', data: { speakerId: { ref: 'taliban' }, kind: 'denial', summary: 'Denied sheltering the TTP.', respondsToId: { ref: 'accusation' }, language: 'en', statedAt: '2025-10-13T12:00:00Z' } },
  { entity: 'statement', ref: 'accusation', data: { speakerId: { ref: 'pakistan' }, kind: 'accusation', summary: 'Accused the Taliban of sheltering the TTP.', incidentIds: [{ ref: 'strikes' }], language: 'en', statedAt: '2025-10-13T10:00:00Z' } },
  { entity: 'casualtyReport', ref: 'figure', data: { incidentId: { ref: 'strikes' }, reportedById: { ref: 'mod' }, category: 'killed', min: 3, qualifier: 'at_least', groups: ['civilians', 'women', 'children'] } },
  { entity: 'incident', ref: 'strikes', data: { type: 'airstrike', title: 'Pakistani airstrikes in Afghanistan', occurredAt: '2025-10-13T00:00:00Z', datePrecision: 'day', countryCodes: ['AF'], actors: [{ actorId: { ref: 'pakistan' }, role: 'perpetrator' }], sourceIds: [{ ref: 'article' }] } },
  { entity: 'source', ref: 'article', data: { url: 'https://news.example.com/clashes', title: 'Clashes', publisher: 'Example News', kind: 'news_article', language: 'en' } },
  { entity: 'actor', ref: 'mod', data: { name: 'Afghan Ministry of Defence', kind: 'government', parentId: { ref: 'taliban' } } },
  { entity: 'actor', ref: 'taliban', data: { name: 'Islamic Emirate of Afghanistan', kind: 'government', aliases: ['Taliban'] } },
  { entity: 'actor', ref: 'pakistan', data: { name: 'Pakistan', kind: 'state', countryCode: 'PK' } }
)

beforeAll(async () => {
  t = await createTestApp()
})

describe('POST /v1/import', () => {
  it('when refs point forward and backward, then every record is created, linked, and the ref map returned', async () => {
    const res = await post(story())
    expectMatchesSpec(res, 'POST', '/v1/import')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.created).toEqual({ actor: 3, source: 1, incident: 1, casualtyReport: 1, statement: 2 })
    expect(Object.keys(res.body.refs).sort()).toEqual(['accusation', 'article', 'denial', 'figure', 'mod', 'pakistan', 'strikes', 'taliban'])
    const { refs } = res.body
    const incident = (await t.http().get(`/v1/incidents/${refs.strikes}`)).body
    expect(incident).toMatchObject({ actors: [{ actorId: refs.pakistan, role: 'perpetrator' }], sourceIds: [refs.article], fatalities: { low: 3, best: 3, high: 3 } })
    expect((await t.http().get(`/v1/statements/${refs.denial}`)).body).toMatchObject({ speakerId: refs.taliban, respondsToId: refs.accusation })
    expect((await t.http().get(`/v1/actors/${refs.mod}`)).body.parentId).toBe(refs.taliban)
    const logged = await t.app.db.change.findMany({ where: { entityId: refs.denial } })
    expect(logged.map((c) => [c.action, c.keyName])).toEqual([['created', 'newsroom']])
  })

  it('when dryRun=true, then it validates against the database and writes nothing', async () => {
    const before = await counts()
    const fresh = ndjson({ entity: 'actor', ref: 'x', data: { name: 'Dry run actor', kind: 'other' } })
    const res = await post(fresh, '?dryRun=true')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ dryRun: true, created: { actor: 1 } })
    expect(await counts()).toEqual(before)
    const clash = await post(ndjson({ entity: 'actor', data: { name: 'pakistan', kind: 'state' } }), '?dryRun=true')
    expect(clash.status).toBe(400)
    expect(clash.body.errors[0]).toMatchObject({ line: 1, path: 'data' })
    expect(clash.body.errors[0].message).toContain('already uses the name')
  })

  it('when one line is bad, then nothing is written and every bad line is listed with its path', async () => {
    const before = await counts()
    const body = ndjson(
      { entity: 'actor', ref: 'ok', data: { name: 'Fine actor', kind: 'other' } },
      { entity: 'actor', ref: 'bad-kind', data: { name: 'Bad kind', kind: 'wizard' } },
      { entity: 'incident', data: { type: 'airstrike', title: 'x', occurredAt: '2025-10-13T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: { ref: 'nobody' }, role: 'target' }] } },
      { entity: 'statement', data: { speakerId: { ref: 'ok' }, kind: 'claim', summary: 's', language: 'en', statedAt: '2025-10-13T00:00:00Z', colour: 'red' } },
      { entity: 'casualtyReport', data: { incidentId: '0199c9a8-0000-7000-8000-000000000001', category: 'killed', min: 5, qualifier: 'range' } }
    ) + 'not json\n' + JSON.stringify({ entity: 'actor', ref: 'ok', data: { name: 'Duplicate ref', kind: 'other' } }) + '\n'
    const res = await post(body)
    expectMatchesSpec(res, 'POST', '/v1/import')
    expect(res.status).toBe(400)
    expect(res.body.detail).toBe('6 line(s) are invalid; nothing was written')
    expect(res.body.errors.map((e: any) => [e.line, e.path])).toEqual([
      [2, 'data.kind'],
      [3, 'data.actors.0.actorId'],
      [4, 'data.colour'],
      [5, 'data.max'],
      [6, ''],
      [7, 'ref']
    ])
    expect(res.body.errors[1].message).toBe('no line has ref "nobody"')
    expect(await counts()).toEqual(before)
  })

  it('when a database check fails on a later line, then the earlier lines are rolled back too', async () => {
    const before = await counts()
    const body = ndjson(
      { entity: 'actor', ref: 'new', data: { name: 'Rolled back actor', kind: 'other' } },
      { entity: 'incident', data: { type: 'raid', title: 'Bad window', occurredAt: '2025-10-13T00:00:00Z', endedAt: '2025-10-12T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: { ref: 'new' }, role: 'perpetrator' }] } },
      { entity: 'statement', data: { speakerId: '0199c9a8-0000-7000-8000-000000000002', kind: 'claim', summary: 's', language: 'en', statedAt: '2025-10-13T00:00:00Z' } }
    )
    const res = await post(body)
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([
      { in: 'body', line: 2, path: 'data.endedAt', message: 'endedAt must not be before occurredAt' },
      { in: 'body', line: 3, path: 'data.speakerId', message: 'actor 0199c9a8-0000-7000-8000-000000000002 does not exist' }
    ])
    expect(await counts()).toEqual(before)
    expect((await t.http().get('/v1/actors?q=rolled')).body.data).toEqual([])
  })

  it('when refs form a cycle or point at the wrong kind, then 400', async () => {
    const res = await post(ndjson(
      { entity: 'actor', ref: 'a', data: { name: 'Cycle A', kind: 'other', parentId: { ref: 'b' } } },
      { entity: 'actor', ref: 'b', data: { name: 'Cycle B', kind: 'other', parentId: { ref: 'a' } } },
      { entity: 'statement', data: { speakerId: { ref: 's' }, kind: 'claim', summary: 's', language: 'en', statedAt: '2025-10-13T00:00:00Z' } },
      { entity: 'source', ref: 's', data: { url: 'https://x.example.com/', title: 't', publisher: 'p', kind: 'other', language: 'en' } }
    ))
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: any) => [e.line, e.message])).toEqual([
      [1, 'its refs form a cycle'],
      [2, 'its refs form a cycle'],
      [3, 'ref "s" is a source, not a actor']
    ])
  })

  it('when the body is JSON rather than NDJSON, or there is no write key, then 415 or 401', async () => {
    const json = await t.http().post('/v1/import').set(t.auth()).send({ entity: 'actor' })
    expect(json.status).toBe(415)
    const anonymous = await t.http().post('/v1/import').set('content-type', 'application/x-ndjson').send('{}')
    expect(anonymous.status).toBe(401)
  })

  it('when a line references an existing record by real id, then it links to it', async () => {
    const existing = await createActor(t, { name: 'Existing speaker' })
    const res = await post(ndjson({ entity: 'statement', ref: 's', data: { speakerId: existing.id, kind: 'appeal', summary: 'Appealed for calm.', language: 'en', statedAt: '2025-10-14T00:00:00Z' } }))
    expect(res.status).toBe(200)
    expect((await t.http().get(`/v1/statements/${res.body.refs.s}`)).body.speakerId).toBe(existing.id)
  })
})

describe('npm run import', () => {
  it('imports a file against DATABASE_URL and prints a summary line; a bad file exits 2 naming the lines', async () => {
    const file = join(tmpdir(), `sitrep-import-${process.pid}.ndjson`)
    await writeFile(file, ndjson({ entity: 'actor', data: { name: 'CLI imported actor', kind: 'other' } }, { entity: 'source', data: { url: 'https://cli.example.com/a', title: 't', publisher: 'p', kind: 'other', language: 'en' } }))
    const run = promisify(execFile)
    const root = new URL('../../', import.meta.url).pathname
    const env = { ...process.env, DATABASE_URL: t.databaseUrl }
    const ok = await run(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', file], { cwd: root, env })
    expect(ok.stdout).toMatch(/^imported 2 records \(1 actor, 1 source\) in \d+\.\d s \(\d+ records\/s\)\n$/)
    expect((await t.http().get('/v1/actors?q=cli%20imported')).body.data).toHaveLength(1)

    await writeFile(file, ndjson({ entity: 'actor', data: { name: 'CLI imported actor', kind: 'other' } }))
    const bad = await run(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', file], { cwd: root, env }).catch((e) => e)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('line 1: data: An actor named "CLI imported actor" already uses the name')
  })
})
