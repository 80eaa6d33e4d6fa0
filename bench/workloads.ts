// The read workloads of `npm run bench`, as URLs. Pure, so test/unit/bench-sql.test.ts checks the
// raw server's SQL on exactly the URLs the bench sends.

/**
 * `cache`: how sitrep meets it. Unset, a cold read: served by a sitrep whose response cache is off, so
 * every request runs its query (ETag and position read still on), as on a miss. `hot`: every
 * connection reads the same URL from a sitrep with its cache on, as a live page's readers do;
 * `revalidate`: the same, sending the answer's ETag in If-None-Match (a 304 for sitrep).
 */
export interface Workload { id: string, what: string, paths: string[], cache?: 'hot' | 'revalidate' }

export interface WorkloadData {
  /** first day of the last 90 (YYYY-MM-DD) */
  from90: string
  /** the actor with the most incidents */
  actor: string
  /** the speaker with the most claims */
  speaker: string
  /** incident ids W3 reads in turn */
  ids: string[]
}

export const workloadList = (d: WorkloadData): Workload[] => [
  { id: 'W1', what: 'list: type + country + 90 days, newest first, 50 rows', paths: [`/v1/incidents?type=airstrike&country=UA&from=${d.from90}&limit=50`] },
  { id: 'W1-hot', what: 'W1\'s URL on every connection, response cache on', paths: [`/v1/incidents?type=airstrike&country=UA&from=${d.from90}&limit=50`], cache: 'hot' },
  { id: 'W1-304', what: 'W1\'s URL revalidated with If-None-Match (sitrep answers 304)', paths: [`/v1/incidents?type=airstrike&country=UA&from=${d.from90}&limit=50`], cache: 'revalidate' },
  { id: 'W2', what: 'list by actor (join), 50 rows', paths: [`/v1/incidents?actor=${d.actor}&limit=50`] },
  { id: 'W3', what: `one incident by id (${d.ids.length.toLocaleString('en-US')} ids in turn)`, paths: d.ids.map((id) => `/v1/incidents/${id}`) },
  { id: 'W4', what: 'count by type, one country, one year', paths: ['/v1/stats/incidents?groupBy=type&country=UA&from=2025-01-01&to=2026-01-01'] },
  { id: 'W5', what: 'full-text q, 50 rows', paths: ['/v1/incidents?q=shelling%20kharkiv&limit=50'] },
  { id: 'W6', what: 'bbox, 50 rows', paths: ['/v1/incidents?bbox=37.3,47.7,38.3,48.3&limit=50'] },
  { id: 'W7', what: 'statements by speaker + kind, 50 rows', paths: [`/v1/statements?speaker=${d.speaker}&kind=claim&limit=50`] },
  { id: 'W8', what: 'timeline page, 50 entries', paths: ['/v1/timeline?limit=50'] },
  { id: 'W9', what: 'stats month × type over everything', paths: ['/v1/stats/incidents?groupBy=month,type'] },
  { id: 'W12', what: '100 incidents with include=actors,casualties,sources', paths: ['/v1/incidents?limit=100&include=actors,casualties,sources'] }
]

/** Workloads whose answer is a list page or one record: the raw server must answer them with sitrep's data. */
export const sameDataWorkloads = ['W1', 'W2', 'W3', 'W5', 'W6', 'W7', 'W8', 'W12']
