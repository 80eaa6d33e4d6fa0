import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { asOwner, recordQueries } from '../helpers/database.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

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

const everyTable = async () => {
  const [row] = await t.app.db.$queryRaw<Array<Record<string, number>>>`SELECT
    (SELECT count(*)::int FROM actors) AS actors, (SELECT count(*)::int FROM actor_names) AS "actorNames",
    (SELECT count(*)::int FROM sources) AS sources, (SELECT count(*)::int FROM incidents) AS incidents,
    (SELECT count(*)::int FROM incident_actors) AS "incidentActors", (SELECT count(*)::int FROM incident_sources) AS "incidentSources",
    (SELECT count(*)::int FROM casualty_reports) AS reports, (SELECT count(*)::int FROM casualty_report_sources) AS "reportSources",
    (SELECT count(*)::int FROM statements) AS statements, (SELECT count(*)::int FROM statement_incidents) AS "statementIncidents",
    (SELECT count(*)::int FROM statement_about_actors) AS "statementActors", (SELECT count(*)::int FROM statement_sources) AS "statementSources",
    (SELECT count(*)::int FROM changes) AS changes`
  return row
}

/** A story of `n` lines of every kind, every id field a ref, written in reverse (every ref points forward). */
function bigStory (n: number, tag: string) {
  const lines: object[] = []
  const a = Math.max(3, Math.round(n * 0.1))
  const s = Math.max(1, Math.round(n * 0.05))
  const i = Math.max(1, Math.round(n * 0.4))
  const r = Math.round(n * 0.15)
  const k = n - a - s - i - r
  for (let x = 0; x < a; x++) lines.push({ entity: 'actor', ref: `a${x}`, data: { name: `${tag} actor ${x}`, kind: 'armed_group', ...(x > 0 ? { parentId: { ref: `a${x - 1}` } } : {}) } })
  for (let x = 0; x < s; x++) lines.push({ entity: 'source', ref: `s${x}`, data: { url: `https://${tag}.example.com/${x}`, title: `Story ${x}`, publisher: 'Example', kind: 'news_article', language: 'en' } })
  for (let x = 0; x < i; x++) {
    lines.push({
      entity: 'incident',
      ref: `i${x}`,
      data: { type: 'shelling', title: `${tag} incident ${x}`, occurredAt: '2025-10-13T00:00:00Z', countryCodes: ['AF'], tags: ['border'], actors: [{ actorId: { ref: `a${x % a}` }, role: 'perpetrator' }, { actorId: { ref: `a${(x + 1) % a}` }, role: 'target' }], sourceIds: [{ ref: `s${x % s}` }] }
    })
  }
  for (let x = 0; x < r; x++) {
    lines.push({ entity: 'casualtyReport', data: { incidentId: { ref: `i${x % i}` }, reportedById: { ref: `a${Math.floor(x / i) % a}` }, category: 'killed', min: 1 + (x % 7), qualifier: 'at_least', sourceIds: [{ ref: `s${x % s}` }] } })
  }
  for (let x = 0; x < k; x++) {
    lines.push({
      entity: 'statement',
      ref: `t${x}`,
      data: { speakerId: { ref: `a${x % a}` }, kind: x % 5 === 0 ? 'denial' : 'claim', summary: `Statement ${x}`, language: 'en', statedAt: '2025-10-14T00:00:00Z', incidentIds: [{ ref: `i${x % i}` }], aboutActorIds: [{ ref: `a${(x + 2) % a}` }], ...(x > 0 ? { respondsToId: { ref: `t${x - 1}` } } : {}), sourceIds: [{ ref: `s${x % s}` }] }
    })
  }
  return ndjson(...lines.reverse())
}

const countQueries = async (fn: () => Promise<unknown>) => (await recordQueries(fn)).length

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

describe('POST /v1/import against existing records and within the file', () => {
  it('when a line links an actor that was merged into another, then 400 names the survivor', async () => {
    const duplicate = await createActor(t, { name: 'Merged spokesman duplicate' })
    const survivor = await createActor(t, { name: 'Merged spokesman' })
    await t.http().post(`/v1/actors/${duplicate.id}/merge`).set(t.auth()).send({ into: survivor.id }).expect(200)
    const res = await post(ndjson({ entity: 'statement', data: { speakerId: duplicate.id, kind: 'claim', summary: 's', language: 'en', statedAt: '2025-10-13T00:00:00Z' } }))
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([
      { in: 'body', line: 1, path: 'data.speakerId', message: `actor ${duplicate.id} was merged into ${survivor.id}; use that id` }
    ])
  })

  it('when a source URL repeats inside the file or matches a live source after normalisation, then the later line is refused, and so are the lines that cite it', async () => {
    const existing = await createSource(t, { url: 'https://dup.example.com/a' })
    const before = await everyTable()
    const res = await post(ndjson(
      { entity: 'source', data: { url: 'https://DUP.example.com/a?utm_source=feed#top', title: 't', publisher: 'p', kind: 'other', language: 'en' } },
      { entity: 'source', ref: 'first', data: { url: 'https://dup.example.com/b', title: 't', publisher: 'p', kind: 'other', language: 'en' } },
      { entity: 'source', ref: 'again', data: { url: 'https://dup.example.com/b#comments', title: 't', publisher: 'p', kind: 'other', language: 'en' } },
      { entity: 'incident', data: { type: 'raid', title: 'Cites the repeat', occurredAt: '2025-10-13T00:00:00Z', countryCodes: ['AF'], sourceIds: [{ ref: 'again' }] } }
    ))
    expectMatchesSpec(res, 'POST', '/v1/import')
    expect(res.status).toBe(400)
    expect(res.body.detail).toBe('3 line(s) are invalid; nothing was written')
    expect(res.body.errors.map((e: any) => [e.line, e.path])).toEqual([[1, 'data'], [3, 'data'], [4, 'data']])
    expect(res.body.errors[0].message).toBe(`A source with this URL already exists (id ${existing.id})`)
    expect(res.body.errors[1].message).toMatch(/^A source with this URL already exists \(id [0-9a-f-]{36}\)$/)
    expect(res.body.errors[2].message).toBe('depends on line 3, which failed')
    expect(await everyTable()).toEqual(before)
  })

  it('when an actor name or alias is already held, ignoring case and accents, by a live actor or an earlier line, then 400 names the holder', async () => {
    const holder = await createActor(t, { name: 'Brigade Café Noir', aliases: ['BCN'] })
    const res = await post(ndjson(
      { entity: 'actor', data: { name: 'Other name', kind: 'other', aliases: ['brigade cafe  noir'] } },
      { entity: 'actor', ref: 'front', data: { name: 'Eastern Front', kind: 'other', aliases: ['EF'] } },
      { entity: 'actor', data: { name: 'Different', kind: 'other', aliases: ['ef'] } },
      { entity: 'actor', data: { name: 'Solo Group', kind: 'other', aliases: ['SOLO GROUP'] } }
    ))
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: any) => [e.line, e.path])).toEqual([[1, 'data'], [3, 'data']])
    expect(res.body.errors[0].message).toBe(`An actor named "Brigade Café Noir" already uses the name "Brigade Café Noir" (id ${holder.id})`)
    expect(res.body.errors[1].message).toMatch(/^An actor named "Eastern Front" already uses the name "EF" \(id [0-9a-f-]{36}\)$/)
  })

  it('when a reporter gives a second figure in one category on one incident, in the file or against a live report, then 409-style line errors', async () => {
    const reporter = await createActor(t, { name: 'Twin reporter' })
    const incident = await createIncident(t)
    const first = await addCasualtyReport(t, incident.id, { reportedById: reporter.id, min: 4 })
    const res = await post(ndjson(
      { entity: 'casualtyReport', data: { incidentId: incident.id, reportedById: reporter.id, category: 'killed', min: 5, qualifier: 'exact' } },
      { entity: 'incident', ref: 'new', data: { type: 'raid', title: 'Twice reported', occurredAt: '2025-10-13T00:00:00Z', countryCodes: ['AF'] } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'new' }, category: 'injured', min: 2, qualifier: 'exact' } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'new' }, category: 'injured', min: 3, qualifier: 'exact' } },
      { entity: 'casualtyReport', data: { incidentId: '0199c9a8-0000-7000-8000-0000000000aa', category: 'killed', min: 1, qualifier: 'exact' } }
    ))
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: any) => [e.line, e.path])).toEqual([[1, 'data'], [4, 'data'], [5, 'data']])
    expect(res.body.errors[0].message).toBe(`This reporter already has a killed report on the incident for the same affected party (id ${first.id}); update it instead`)
    expect(res.body.errors[1].message).toMatch(/^This reporter already has a injured report on the incident for the same affected party \(id [0-9a-f-]{36}\); update it instead$/)
    expect(res.body.errors[2].message).toBe('Incident 0199c9a8-0000-7000-8000-0000000000aa does not exist')
  })

  it('when a file gives whose casualties and figures in words, then they are stored as single writes store them, under the same rules', async () => {
    const bad = await post(ndjson(
      { entity: 'incident', ref: 'clash', data: { type: 'armed_clash', title: 'Border clashes, in words', occurredAt: '2025-10-12T00:00:00Z', countryCodes: ['AF'] } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'clash' }, category: 'killed', min: 2, qualifier: 'exact', phrase: 'two' } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'clash' }, category: 'injured', min: 2, qualifier: 'unquantified' } }
    ))
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e: any) => [e.line, e.path])).toEqual([[2, 'data.phrase'], [3, 'data.phrase']])
    const res = await post(ndjson(
      { entity: 'incident', ref: 'clash', data: { type: 'armed_clash', title: 'Border clashes, in words', occurredAt: '2025-10-12T00:00:00Z', countryCodes: ['AF'] } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'clash' }, reportedById: { ref: 'mod' }, affectedActorId: { ref: 'civilians' }, category: 'killed', min: 3, qualifier: 'at_least' } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'clash' }, reportedById: { ref: 'mod' }, affectedActorId: { ref: 'soldiers' }, category: 'killed', min: 2, qualifier: 'unquantified', phrase: 'multiple' } },
      { entity: 'actor', ref: 'mod', data: { name: 'Import MoD', kind: 'military' } },
      { entity: 'actor', ref: 'civilians', data: { name: 'Import civilians', kind: 'other' } },
      { entity: 'actor', ref: 'soldiers', data: { name: 'Import soldiers', kind: 'military' } }
    ))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const [incident] = (await t.http().get('/v1/incidents?q=%22Border%20clashes%2C%20in%20words%22')).body.data
    expect(incident.fatalities).toEqual({ low: 2, best: 2, high: 3 })
    const { body } = await t.http().get(`/v1/casualties?incident=${incident.id}&include=affectedActor`)
    expect(body.data.map((r: any) => [r.affectedActor.name, r.qualifier, r.phrase, r.min])).toEqual([
      ['Import civilians', 'at_least', null, 3], ['Import soldiers', 'unquantified', 'multiple', 2]
    ])
  })

  it('when figures and a denial arrive with a new incident, then it is created once with its roll-up; an existing incident gets one update', async () => {
    const existing = await createIncident(t, { title: 'Existing, then contested' })
    const res = await post(ndjson(
      { entity: 'casualtyReport', data: { incidentId: { ref: 'strike' }, reportedById: { ref: 'ministry' }, category: 'killed', min: 3, qualifier: 'exact' } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'strike' }, category: 'killed', min: 10, qualifier: 'at_least' } },
      { entity: 'casualtyReport', data: { incidentId: { ref: 'strike' }, category: 'injured', min: 40, qualifier: 'approximately' } },
      { entity: 'casualtyReport', data: { incidentId: existing.id, category: 'killed', min: 2, max: 6, qualifier: 'range' } },
      { entity: 'statement', data: { speakerId: { ref: 'ministry' }, kind: 'denial', summary: 'Denied it.', language: 'en', statedAt: '2025-10-14T00:00:00Z', incidentIds: [existing.id] } },
      { entity: 'incident', ref: 'strike', data: { type: 'airstrike', title: 'Strike with two figures', occurredAt: '2025-10-13T00:00:00Z', countryCodes: ['AF'] } },
      { entity: 'actor', ref: 'ministry', data: { name: 'Roll-up ministry', kind: 'government' } }
    ))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const strike = (await t.http().get(`/v1/incidents/${res.body.refs.strike}`)).body
    expect(strike).toMatchObject({ fatalities: { low: 3, best: 6, high: 10 }, contested: true, version: 1 })
    const created = (await t.http().get(`/v1/incidents/${strike.id}/revisions`).set(t.auth())).body.data
    expect(created.map((r: any) => [r.action, r.version, r.by])).toEqual([['created', 1, 'newsroom']])
    expect(created[0].after).toEqual(strike)

    const updated = (await t.http().get(`/v1/incidents/${existing.id}`)).body
    expect(updated).toMatchObject({ fatalities: { low: 2, best: 4, high: 6 }, contested: true, version: 2 })
    const revisions = (await t.http().get(`/v1/incidents/${existing.id}/revisions`)).body.data
    expect(revisions.map((r: any) => [r.action, r.version])).toEqual([['created', 1], ['updated', 2]])
    expect(revisions[1].before).toMatchObject({ fatalities: null, contested: false, version: 1 })
    expect(revisions[1].after).toEqual(updated)
  })

  it('when dryRun=true on a whole story, then no table gains a row and no change is logged', async () => {
    const before = await everyTable()
    const res = await post(bigStory(60, 'dry'), '?dryRun=true')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ dryRun: true, created: { actor: 6, source: 3, incident: 24, casualtyReport: 9, statement: 18 } })
    expect(await everyTable()).toEqual(before)
  })

  it('when the file grows tenfold, then the import still costs the same number of SQL statements', async () => {
    let small: any
    let large: any
    const few = await countQueries(async () => { small = await post(bigStory(500, 'few')) })
    const many = await countQueries(async () => { large = await post(bigStory(5000, 'many')) })
    expect(small.status, JSON.stringify(small.body).slice(0, 500)).toBe(200)
    expect(large.status, JSON.stringify(large.body).slice(0, 500)).toBe(200)
    expect(large.body.created).toEqual({ actor: 500, source: 250, incident: 2000, casualtyReport: 750, statement: 1500 })
    expect(many).toBe(few)
    // auth and rate limiting, then BEGIN, 3 reads, 12 table writes, the change-log lock and insert, COMMIT
    expect(many).toBeLessThanOrEqual(25)
    const changes = await t.app.db.change.count({ where: { keyName: 'newsroom', action: 'created', entityId: { in: Object.values(large.body.refs as Record<string, string>) } } })
    expect(changes).toBe(500 + 250 + 2000 + 1500)
  })

  it('when the database refuses a row that passed the checks (a URL taken meanwhile), then 409 and nothing is written', async () => {
    // Stands in for a concurrent writer: takes the URL in the same statement, just before the import's row.
    await asOwner(t.ownerUrl, `CREATE FUNCTION test_take_url() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF pg_trigger_depth() = 1 AND NEW.url = 'https://race.example.com/' THEN
        INSERT INTO sources (id, url, title, publisher, kind, language) VALUES (gen_random_uuid(), NEW.url, 't', 'p', 'other', 'en');
      END IF;
      RETURN NEW;
    END $$`)
    await asOwner(t.ownerUrl, 'CREATE TRIGGER test_take_url BEFORE INSERT ON sources FOR EACH ROW EXECUTE FUNCTION test_take_url()')
    try {
      const before = await everyTable()
      const res = await post(ndjson(
        { entity: 'actor', data: { name: 'Raced actor', kind: 'other' } },
        { entity: 'source', data: { url: 'https://race.example.com/', title: 't', publisher: 'p', kind: 'other', language: 'en' } }
      ))
      expectMatchesSpec(res, 'POST', '/v1/import')
      expect(res.status).toBe(409)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.body).toMatchObject({ type: '/problems/conflict', status: 409 })
      expect(await everyTable()).toEqual(before)
    } finally {
      await asOwner(t.ownerUrl, 'DROP TRIGGER test_take_url ON sources')
      await asOwner(t.ownerUrl, 'DROP FUNCTION test_take_url()')
    }
  })
})
