import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { listIncidents } from '../../src/modules/incidents/repository.ts'
import { incidentListQuery } from '../../src/modules/incidents/schemas.ts'
import { expandIncidents } from '../../src/modules/incidents/expand.ts'
import { findIncident } from '../../src/modules/incidents/views.ts'
import { listStatements } from '../../src/modules/statements/repository.ts'
import { statementListQuery } from '../../src/modules/statements/schemas.ts'
import { createTimelineRepository } from '../../src/modules/timeline/repository.ts'
import { timelineQuery } from '../../src/modules/timeline/schemas.ts'
import { incidentPage, oneIncident, statementPage, timelinePage } from '../../bench/raw-sql.ts'
import { sameDataWorkloads, workloadList } from '../../bench/workloads.ts'

interface Sent { text: string, values: unknown[] }

/** Stands in for the pg pool: records each statement sent and answers no rows, so no database is needed. */
function recorder () {
  const sent: Sent[] = []
  const pool = { query: async (q: Sent) => { sent.push({ text: q.text, values: q.values }); return { rows: [] } } } as unknown as pg.Pool
  return { pool, sent }
}

// Layout differs between hand-wrapped lines; the statement must not.
const normalised = (sent: Sent[]) => sent.map((s) => ({ text: s.text.replace(/\s+/g, ' ').replace(/ ,/g, ',').trim(), values: s.values })).sort((x, y) => x.text.localeCompare(y.text))

/** What sitrep's routes send for this URL: its schemas parse the query, its repositories build the SQL. */
async function sitrepSends (path: string) {
  const { pool, sent } = recorder()
  const url = new URL(path, 'http://bench')
  const query = Object.fromEntries(url.searchParams)
  const id = /^\/v1\/incidents\/([^/]+)$/.exec(url.pathname)?.[1]
  if (id) await findIncident(pool, id).catch(() => undefined)
  else if (url.pathname === '/v1/incidents') {
    const { include, format: _format, ...q } = incidentListQuery.parse(query)
    await expandIncidents(pool, (await listIncidents(pool, q)).rows, include)
  } else if (url.pathname === '/v1/statements') {
    const { include: _include, format: _format, ...q } = statementListQuery.parse(query)
    await listStatements(pool, q)
  } else if (url.pathname === '/v1/timeline') {
    await createTimelineRepository(pool).page(timelineQuery.parse(query))
  } else throw new Error(`no sitrep read for ${path}`)
  return normalised(sent)
}

/** What the raw server sends for this URL. */
async function rawSends (path: string) {
  const { pool, sent } = recorder()
  const url = new URL(path, 'http://bench')
  const query = Object.fromEntries(url.searchParams)
  const id = /^\/v1\/incidents\/([^/]+)$/.exec(url.pathname)?.[1]
  if (id) await oneIncident(pool, id)
  else if (url.pathname === '/v1/incidents') await incidentPage(pool, query)
  else if (url.pathname === '/v1/statements') await statementPage(pool, query)
  else if (url.pathname === '/v1/timeline') await timelinePage(pool, query)
  else throw new Error(`no raw read for ${path}`)
  return normalised(sent)
}

const workloads = workloadList({
  from90: '2026-09-01',
  actor: '0190f0e0-0000-7000-8000-000000000001',
  speaker: '0190f0e0-0000-7000-8000-000000000002',
  ids: ['0190f0e0-0000-7000-8000-000000000003']
}).filter((w) => sameDataWorkloads.includes(w.id))

describe('the raw server of npm run bench', () => {
  it('covers W1, W2, W3 and W7 among the workloads checked', () => {
    expect(workloads.map((w) => w.id)).toEqual(expect.arrayContaining(['W1', 'W2', 'W3', 'W7']))
  })

  for (const w of workloads) {
    it(`when the bench sends ${w.id} (${w.paths[0]}), then the raw server sends the same SQL and values as sitrep`, async () => {
      const sitrep = await sitrepSends(w.paths[0])
      expect(sitrep.length).toBeGreaterThan(0)
      expect(await rawSends(w.paths[0])).toEqual(sitrep)
    })
  }
})
