import { execFile, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDemoData } from '../../src/demo.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { onCI } from '../helpers/ci.ts'

// The pandas, geopandas and change-feed recipes of docs/analysts.md, run by Python against a live
// server. Python's packages come from .venv-analysts (which .ci/run creates), SITREP_PYTHON, or python3.

const root = new URL('../../', import.meta.url).pathname
const script = join(root, 'test/analysts/recipes.py')
const python = process.env.SITREP_PYTHON ?? (existsSync(join(root, '.venv-analysts/bin/python')) ? join(root, '.venv-analysts/bin/python') : 'python3')
const check = spawnSync(python, [script, '--check'], { encoding: 'utf8' })
const ready = check.status === 0
const why = check.error ? `${python} cannot be run (${check.error.message})` : check.stderr.trim()
if (!ready && !onCI) {
  console.warn(`docs/analysts.md recipes skipped: ${why}. Install them with: python3 -m venv .venv-analysts && .venv-analysts/bin/pip install pandas geopandas pyarrow`)
}

let t: TestContext
let base: string
let workdir: string

describe.skipIf(!ready && !onCI)('docs/analysts.md recipes against a live server', () => {
  beforeAll(async () => {
    expect(ready, `Python packages for the analysts' recipes: ${why} (.ci/run installs them into .venv-analysts)`).toBe(true)
    t = await createTestApp()
    await loadDemoData(t.app.pool)
    const acled = readFileSync(new URL('../fixtures/acled-sample.csv', import.meta.url), 'utf8')
    const imported = await t.http().post('/v1/import?from=acled').set(t.auth()).set('content-type', 'text/csv').send(acled)
    expect(imported.status).toBe(200)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const address = t.app.server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    workdir = await mkdtemp(join(tmpdir(), 'sitrep-analysts-'))
  }, 120_000)

  afterAll(async () => {
    if (workdir) await rm(workdir, { recursive: true, force: true })
  })

  it('when Python runs each recipe as the doc writes it, then it reads what the API serves', async () => {
    const { stdout } = await promisify(execFile)(python, [script, base, workdir], { maxBuffer: 16 * 2 ** 20, timeout: 120_000 })
    const out = JSON.parse(stdout)
    expect(Object.keys(out).sort()).toEqual(['change-feed-sync', 'geopandas-geojson', 'pandas-csv'])

    const all = await t.http().get('/v1/incidents?limit=500')
    const incidents: Array<{ id: string, type: string, fatalities: { best: number } | null, location: { precision: string } | null }> = all.body.data
    const ledger = await t.http().get('/v1/casualties?limit=500')
    expect(out['pandas-csv']).toEqual({
      rows: incidents.length,
      occurredAtIsDatetime: true,
      fatalitiesBest: incidents.reduce((sum, i) => sum + (i.fatalities?.best ?? 0), 0),
      types: [...new Set(incidents.map((i) => i.type))].sort(),
      figures: ledger.body.data.length
    })

    const located = incidents.filter((i) => i.location && ['exact', 'near'].includes(i.location.precision))
    expect(located.length).toBeGreaterThan(2)
    expect(out['geopandas-geojson']).toMatchObject({
      rows: located.length,
      geometryTypes: ['Point'],
      crs: 'EPSG:4326',
      ids: located.map((i) => i.id).sort(),
      perCountry: located.length
    })
    expect(out['geopandas-geojson'].footprintKm2).toBeGreaterThan(1000)

    const changes = await t.http().get('/v1/changes?limit=500')
    const lastSeq = changes.body.data.at(-1).seq
    expect(out['change-feed-sync']).toEqual({ lastSeq, againSeq: lastSeq, mirrored: incidents.map((i) => i.id).sort() })
  }, 180_000)
})
