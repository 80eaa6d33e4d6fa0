// The capacity model behind docs/scaling.md: measured per-request CPU costs in, what a deployment
// serves out. Every input is a figure measured on this project's 2-core bench machine (sources in
// docs/scaling.md); change them with flags and the tables follow.
//
//   npx tsx bench/scaling-model.ts [--cold-rps 230] [--pg-page-tps 600] [--hot-rps 2941] [--revalidate-rps 4104]
//                                  [--one-rps 1200] [--viewers 200000] [--poll-seconds 15] [--writes-per-minute 30]

import { parseArgs } from 'node:util'

const { values: v } = parseArgs({
  options: {
    /** sitrep W1 (a cold 50-row list page) on 2 cores: Node and PostgreSQL share them */
    'cold-rps': { type: 'string', default: '230' },
    /** the same page's SQL alone (pgbench, 8 clients, 2 cores) */
    'pg-page-tps': { type: 'string', default: '600' },
    /** W1-hot: the same URL from the response cache, 2 cores */
    'hot-rps': { type: 'string', default: '2941' },
    /** W1-304: revalidations answered 304 without a query, 2 cores */
    'revalidate-rps': { type: 'string', default: '4104' },
    /** W3: one incident by id, 2 cores */
    'one-rps': { type: 'string', default: '1200' },
    viewers: { type: 'string', default: '200000' },
    'poll-seconds': { type: 'string', default: '15' },
    'writes-per-minute': { type: 'string', default: '30' }
  }
})
const n = (k: keyof typeof v) => Number(v[k])

// CPU milliseconds per request. Two cores give 2,000 CPU-ms per second; a run that saturates both
// spends them all on its requests (wrk's own share is small: C, one thread).
const pgPerPage = 2000 / n('pg-page-tps')
const nodePerPage = Math.max(0.1, 2000 / n('cold-rps') - pgPerPage)
const perHit = 2000 / n('hot-rps')
const per304 = 2000 / n('revalidate-rps')
const perOne = 2000 / n('one-rps')

console.log('## Per-request CPU (ms), from the 2-core measurements\n')
console.log('| request | Node | PostgreSQL |\n| --- | ---: | ---: |')
console.log(`| cold list page (W1) | ${nodePerPage.toFixed(2)} | ${pgPerPage.toFixed(2)} |`)
console.log(`| one record (W3), Node and PostgreSQL together | ${perOne.toFixed(2)} | |`)
console.log(`| cached page (W1-hot) | ${perHit.toFixed(2)} | ~0 (a shared position read) |`)
console.log(`| revalidation, 304 (W1-304) | ${per304.toFixed(2)} | ~0 |`)

interface Deployment { name: string, apiCores: number, pgPrimaryCores: number, replicas: number, pgCoresPerReplica: number }
const deployments: Deployment[] = [
  { name: 'one 2-core box (as measured)', apiCores: 1, pgPrimaryCores: 1, replicas: 0, pgCoresPerReplica: 0 },
  { name: 'one 16-core box: 8 API processes, PostgreSQL 8 cores', apiCores: 8, pgPrimaryCores: 8, replicas: 0, pgCoresPerReplica: 0 },
  { name: '4 API boxes × 8 processes, primary 16 cores', apiCores: 32, pgPrimaryCores: 16, replicas: 0, pgCoresPerReplica: 0 },
  { name: '4 API boxes × 8, primary 16 + 3 replicas × 16', apiCores: 32, pgPrimaryCores: 16, replicas: 3, pgCoresPerReplica: 16 }
]

console.log('\n## Cold reads per second a deployment serves (every request a different page)\n')
console.log('| deployment | API-bound | PostgreSQL-bound | serves |\n| --- | ---: | ---: | ---: |')
for (const d of deployments) {
  const api = d.apiCores * 1000 / nodePerPage
  const pg = (d.pgPrimaryCores + d.replicas * d.pgCoresPerReplica) * 1000 / pgPerPage
  console.log(`| ${d.name} | ${fmt(api)} | ${fmt(pg)} | **${fmt(Math.min(api, pg))}** |`)
}

// A live page: every viewer polls the same few URLs. Without a CDN each poll reaches an API process;
// the response cache answers all but the first after each change (per process and URL), and a poll
// carrying the last ETag costs a 304. With a CDN honouring `public, max-age=M`, each edge location
// asks the origin once per M seconds per URL, whatever the number of viewers behind it.
const viewers = n('viewers')
const pollS = n('poll-seconds')
const writesPerS = n('writes-per-minute') / 60
const urls = 3 // the page's list, its timeline and its stats
const demand = viewers / pollS * urls
console.log(`\n## A live page: ${fmt(viewers)} viewers polling ${urls} URLs every ${pollS} s = ${fmt(demand)} req/s, ${n('writes-per-minute')} writes a minute\n`)
console.log('| set-up | origin req/s | origin cores (API) | PostgreSQL cores |\n| --- | ---: | ---: | ---: |')
for (const processes of [1, 8, 32]) {
  // Per process and URL: one cold computation per change (at most one per poll interval); the rest
  // hits, half of them revalidations (clients that kept the ETag) answered 304.
  const coldPerS = processes * urls * writesPerS
  const rest = demand - coldPerS
  const apiCores = coldPerS * nodePerPage / 1000 + rest * (perHit + per304) / 2 / 1000
  console.log(`| no CDN, ${processes} API process${processes > 1 ? 'es' : ''} | ${fmt(demand)} | ${apiCores.toFixed(1)} | ${(coldPerS * pgPerPage / 1000).toFixed(2)} |`)
}
for (const [pops, maxAge] of [[50, 5], [300, 5], [300, 15]]) {
  const origin = pops * urls / maxAge
  // behind the CDN, 8 API processes: each computes a URL once per change, the rest are hits or 304s
  const cold = Math.min(origin, urls * writesPerS * 8)
  const apiCores = (cold * nodePerPage + (origin - cold) * (perHit + per304) / 2) / 1000
  console.log(`| CDN, ${pops} edge locations, max-age ${maxAge} s | ${fmt(origin)} | ${apiCores.toFixed(2)} | ${(cold * pgPerPage / 1000).toFixed(2)} |`)
}

function fmt (x: number) {
  return Math.round(x).toLocaleString('en-US')
}
