// Deterministic synthetic data for benchmarks and query plans.
//
//   tsx bench/generate.ts --database-url URL --incidents 100000 [--statements N] [--actors 10000]
//                         [--sources N] [--seed 42] [--truncate]
//
// The same seed gives the same rows on any machine and any day: one seeded PRNG per phase (so
// e.g. --statements does not reshuffle the incidents) and a fixed END instead of the clock.
// The shape follows real conflict data: a few countries, types and actors dominate (Zipf-like),
// most incidents are entered hours after they happen and some are back-filled much later, and
// the derived columns (fatalities, contested) obey the API's own roll-up rules.
//
// Loading: `COPY … FROM STDIN` in text format (pg-copy-streams), one transaction. Rows are
// encoded to COPY text as they are generated; every BATCH parent rows the batch's tables are
// sent, parents first, while the next batch is generated. The filled tables are truncated in
// the same transaction, which lets COPY FREEZE write the rows already frozen and all-visible
// (the closing VACUUM then has little to do). Their secondary indexes and foreign keys are
// dropped for the load and recreated after it, which validates every key and unique index as
// strictly as row-by-row checks would; CHECK constraints, the generated tsvector columns and
// the actor_names trigger stay in force throughout. Single runs at 200k incidents / 600k
// statements on a busy 2-core machine: keeping the foreign keys during the load made it 2.6×
// slower, keeping the indexes 1.3×, leaving out FREEZE 1.3× (index, key and VACUUM passes then
// set hint bits). Most of the remaining COPY time is the server computing the tsvector columns.

import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { finished } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { UUID } from 'uuidv7'
import { migrate } from '../src/db/migrate.ts'
import { isContested, rollUp, type KilledReport } from '../src/modules/casualties/rollup.ts'
import type { ActorKind, ActorRole, CasualtyQualifier, StatementKind } from '../src/generated/prisma/enums.ts'
import * as world from './world.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const YEAR = 365.25 * DAY
/** The data set's "now": a constant, so runs on different days produce identical rows. */
export const END = Date.UTC(2026, 9, 1)
const START = END - 5 * YEAR
/** parent rows per COPY batch */
const BATCH = 10_000

// ---------------------------------------------------------------------------------------------
// Randomness

/** sfc32 (Small Fast Counter): 128-bit state, passes PractRand; ample for synthetic data. */
class Rng {
  private a = 0x9e3779b9
  private b = 0x243f6a88
  private c = 0xb7e15162
  private d: number

  constructor (seed: number) {
    this.d = seed >>> 0
    for (let i = 0; i < 12; i++) this.next() // mix the seed into all four words
  }

  next (): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  int (n: number) { return Math.floor(this.next() * n) }
  chance (p: number) { return this.next() < p }
  between (lo: number, hi: number) { return lo + this.next() * (hi - lo) }
  pick<T> (xs: readonly T[]): T { return xs[this.int(xs.length)] }
  /** Exponential with this mean: delays between an event and its report. */
  exp (mean: number) { return -mean * Math.log(1 - this.next()) }
  /** Pareto ≥ 1: casualty counts are mostly small with a long tail. */
  pareto (alpha: number) { return (1 - this.next()) ** (-1 / alpha) }
  /** Roughly normal in (-1, 1): jitter that clusters around a town. */
  jitter () { return this.next() + this.next() - 1 }
  /** An index drawn with the given weights. */
  draw (w: Weights): number {
    const x = this.next() * w.total
    let lo = 0
    let hi = w.cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (w.cum[mid] > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

class Weights {
  readonly cum: Float64Array
  readonly total: number
  constructor (weights: number[]) {
    this.cum = new Float64Array(weights.length)
    let sum = 0
    weights.forEach((w, i) => { sum += w; this.cum[i] = sum })
    this.total = sum
  }
}

/** Zipf weights over n items in popularity order: item k gets 1/(k+1)^s. */
const zipf = (n: number, s = 1) => new Weights(Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s))
const table = <T extends string>(pairs: Array<[T, number]>) => ({ values: pairs.map((p) => p[0]), weights: new Weights(pairs.map((p) => p[1])) })
const drawFrom = <T extends string>(r: Rng, t: { values: T[], weights: Weights }): T => t.values[r.draw(t.weights)]

/** A UUIDv7 carrying the row's created_at, its random bits from the seeded PRNG (not crypto). */
const uuidAt = (r: Rng, ms: number) =>
  UUID.fromFieldsV7(Math.floor(ms), r.int(0x1000), r.int(0x40000000), r.int(0x100000000)).toString()

/**
 * Instant of position u ∈ [0, 1) in the creation sequence. The power < 1 makes later years
 * busier, as conflict data sets grow; it is increasing, so row order is created_at order.
 */
const slot = (u: number) => START + (END - START) * u ** 0.8

const iso = (ms: number) => new Date(Math.floor(ms)).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))
const clampEnd = (ms: number) => Math.min(END, ms)
const round5 = (x: number) => Math.round(x * 1e5) / 1e5
const cap = (s: string) => s[0].toUpperCase() + s.slice(1)

// ---------------------------------------------------------------------------------------------
// Batched loading

/** Array columns travel as array literals (COPY parses them with the column's array type). */
const arrayLiteral = (xs: string[]) => `{${xs.map((x) => `"${x.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`

const copySpecial = /[\\\t\n\r]/
const copySpecials = /[\\\t\n\r]/g
const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/** One value in COPY's text format: \N for null; backslash, tab, newline and CR escaped (exported for tests). */
export function copyField (v: unknown): string {
  if (v === null || v === undefined) return '\\N'
  if (typeof v === 'string') return copySpecial.test(v) ? v.replace(copySpecials, (ch) => copyEscapes[ch]) : v
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`)
    return String(v)
  }
  if (typeof v === 'boolean') return v ? 't' : 'f'
  throw new TypeError(`no COPY text form for ${typeof v}`)
}

class Table {
  private lines: string[] = []
  inserted = 0
  readonly columns: string[]

  /** columns: "name type, …" as in DDL, e.g. 'id uuid, type "IncidentType", tags text[]' (COPY needs the names only) */
  constructor (readonly name: string, columns: string) {
    this.columns = columns.split(',').map((c) => c.trim().split(/\s+/)[0])
  }

  add (...row: unknown[]) {
    if (row.length !== this.columns.length) throw new Error(`${this.name}: ${row.length} values for ${this.columns.length} columns`)
    this.lines.push(row.map(copyField).join('\t') + '\n')
  }

  get pending () { return this.lines.length }

  /** The pending rows as one COPY text chunk; empties the table. */
  take () {
    const text = this.lines.join('')
    this.inserted += this.lines.length
    this.lines = []
    return text
  }

  copySql (freeze: boolean) {
    return `COPY ${this.name} (${this.columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN${freeze ? ' WITH (FREEZE)' : ''}`
  }
}

/** Runs one COPY … FROM STDIN with this text and resolves when the server has stored it. */
async function copyIn (db: pg.ClientBase, sql: string, text: string) {
  const stream = db.query(copyFrom(sql))
  stream.end(text)
  await finished(stream)
}

/**
 * Sends the batches. One batch (one COPY per table) stays in flight while the next is
 * generated, so the database and the generator work in parallel; the COPYs run one after
 * another in the order given, so a child batch still lands after its parents'.
 */
class Loader {
  private inFlight: Promise<unknown> = Promise.resolve()
  /** time the generator spent waiting for the database */
  waitedMs = 0

  constructor (private readonly db: pg.ClientBase, private readonly freeze: boolean) {}

  /** Parents first: a child batch only references rows of batches already sent. */
  async flush (...tables: Table[]) {
    const copies = tables.filter((t) => t.pending > 0).map((t) => ({ sql: t.copySql(this.freeze), text: t.take() }))
    await this.drain()
    // Chained, not queued on the client all at once (pg 8 deprecates queuing a query behind another).
    this.inFlight = copies.reduce<Promise<unknown>>((prev, c) => prev.then(() => copyIn(this.db, c.sql, c.text)), Promise.resolve())
    this.inFlight.catch(() => {}) // reported by the next drain(), not as an unhandled rejection
  }

  async drain () {
    const t0 = performance.now()
    await this.inFlight
    this.waitedMs += performance.now() - t0
  }
}

// ---------------------------------------------------------------------------------------------
// Generation

export interface GenerateOptions {
  incidents: number
  statements: number
  actors: number
  /** distinct sources; defaults to one per incident (each is cited ~1.5 times) */
  sources?: number
  seed: number
}

const actorKinds = table<ActorKind>([['armed_group', 35], ['military', 15], ['person', 15], ['other', 9], ['government', 8],
  ['political_party', 6], ['ngo', 6], ['media', 6]])
const statuses = table([['reported', 55], ['confirmed', 30], ['disputed', 10], ['denied', 3], ['retracted', 2]])
const datePrecisions = table([['exact', 60], ['day', 30], ['week', 6], ['month', 4]])
const locationPrecisions = table([['exact', 25], ['near', 45], ['admin1', 20], ['country', 10]])
const qualifiers = table<CasualtyQualifier>([['exact', 45], ['at_least', 25], ['approximately', 15], ['range', 10], ['at_most', 5]])
const statementKinds = table<StatementKind>([['condemnation', 20], ['claim', 18], ['accusation', 18], ['denial', 8], ['confirmation', 8],
  ['appeal', 8], ['assessment', 7], ['threat', 6], ['offer', 3], ['other', 2]])
const languages = table([['en', 70], ['ar', 10], ['uk', 6], ['ru', 6], ['fr', 4], ['ps', 4]])
const incidentTypes = table(world.incidentTypeWeights)

const statementText: Record<StatementKind, string> = {
  claim: '{s} claimed responsibility for the {t} in {p}.',
  denial: '{s} denied carrying out the {t} in {p}.',
  confirmation: '{s} confirmed the {t} in {p}.',
  accusation: '{s} accused {o} of the {t} in {p}.',
  condemnation: '{s} condemned the {t} in {p}.',
  appeal: '{s} called for restraint after the {t} in {p}.',
  offer: '{s} offered to mediate after the {t} in {p}.',
  threat: '{s} threatened retaliation for the {t} in {p}.',
  assessment: '{s} said the {t} in {p} was part of a wider escalation.',
  other: '{s} commented on the {t} in {p}.'
}

/**
 * Generates the data set and loads it through db (inside the caller's transaction). freeze: COPY
 * … WITH (FREEZE), allowed only when the caller created or truncated the tables in the same
 * transaction.
 */
export async function load (db: pg.ClientBase, o: GenerateOptions, { freeze = false }: { freeze?: boolean } = {}) {
  const loader = new Loader(db, freeze)
  const N = o.incidents
  const S = N > 0 ? o.statements : 0 // statements need incidents to refer to
  const nSources = Math.max(1, o.sources ?? N)
  const countryWeights = new Weights(world.countries.map((c) => c.weight))

  // --- Actors: the named ones of each conflict first (the busiest), then synthetic ones. --------
  const r = new Rng(o.seed ^ 0xa11ce)
  const actorsT = new Table('actors', `id uuid, name text, kind "ActorKind", aliases text[], country_code text, parent_id uuid, title text,
    description text, wikidata_id text, created_at timestamptz, updated_at timestamptz`)
  const actor = { ids: [] as string[], names: [] as string[], kinds: [] as ActorKind[], countries: [] as Array<string | null> }
  const byName = new Map<string, number>()
  const usedKeys = new Set<string>()
  const plannedActors = Math.max(o.actors, 200)
  function addActor (name: string, kind: ActorKind, country: string | null, extra: { parent?: number, title?: string, aliases?: string[] } = {}) {
    const i = actor.ids.length
    // Actors predate the incidents: created over the year before START.
    const created = START - YEAR + (i / plannedActors) * YEAR
    const id = uuidAt(r, created)
    for (const n of [name, ...(extra.aliases ?? [])]) usedKeys.add(n.toLowerCase())
    actorsT.add(id, name, kind, arrayLiteral(extra.aliases ?? []), country, extra.parent === undefined ? null : actor.ids[extra.parent],
      extra.title ?? null, r.chance(0.3) ? `${cap(kind.replace('_', ' '))} active in ${country ?? 'several countries'}.` : null,
      r.chance(0.4) ? `Q${1000 + r.int(9_000_000)}` : null, iso(created), iso(created))
    actor.ids.push(id)
    actor.names.push(name)
    actor.kinds.push(kind)
    actor.countries.push(country)
    byName.set(name, i)
    return i
  }
  const named = (a: world.NamedActor, country: string | null) =>
    byName.get(a[0]) ?? addActor(a[0], a[1], a[2] ?? country, { aliases: world.aliases[a[0]] })

  const globals = world.globalActors.map((a) => named(a, null))
  // pools[c]: actors taking part in country c's incidents, in popularity order.
  const pools = world.countries.map((c) => c.actors.map((a) => named(a, c.code)))
  const civilians = world.countries.map((c) => addActor(`Civilians in ${c.name}`, 'other', c.code))
  while (actor.ids.length < o.actors) {
    const c = r.draw(countryWeights)
    const code = world.countries[c].code
    const kind = drawFrom(r, actorKinds)
    let name = ''
    for (let attempt = 0; attempt < 8 && (name === '' || usedKeys.has(name.toLowerCase())); attempt++) {
      name = kind === 'person'
        ? `${r.pick(world.firstNames)} ${attempt > 2 ? `${String.fromCharCode(65 + r.int(26))}. ` : ''}${r.pick(world.lastNames)}`
        : `${r.pick(world.nameAdjectives)} ${r.pick(world.nameNouns)} ${r.pick(world.nameUnits)}`
    }
    if (usedKeys.has(name.toLowerCase())) name = `${name} ${actor.ids.length}`
    // Some units belong to their country's regular army.
    const army = pools[c].find((a) => actor.kinds[a] === 'military' && actor.countries[a] === code)
    const parent = kind === 'military' && army !== undefined && r.chance(0.4) ? army : undefined
    pools[c].push(addActor(name, kind, code, { parent, title: kind === 'person' ? r.pick(world.speakerTitles) : undefined }))
  }
  const poolWeights = pools.map((p) => zipf(p.length, 1.05))
  const globalWeights = zipf(globals.length)
  await loader.flush(actorsT)

  // --- Sources, published in time order. ------------------------------------------------------
  const rs = new Rng(o.seed ^ 0x50de)
  const sourcesT = new Table('sources', `id uuid, url text, title text, publisher text, published_at timestamptz, kind "SourceKind", language text,
    created_at timestamptz, updated_at timestamptz`)
  const sourceIds: string[] = []
  const publisherWeights = zipf(world.publishers.length, 0.9)
  for (let j = 0; j < nSources; j++) {
    const published = slot((j + rs.next()) / nSources)
    const created = clampEnd(published + rs.exp(6 * HOUR))
    const [publisher, domain, kind, language] = world.publishers[rs.draw(publisherWeights)]
    const country = world.countries[rs.draw(countryWeights)]
    const title = `${cap(rs.pick(world.adjectives))} ${rs.pick(world.targets)} attack in ${rs.pick(country.towns)[0]}`
    const slug = title.toLowerCase().normalize('NFD').replace(/[^a-z0-9]+/g, '-')
    const day = iso(published).slice(0, 10).replaceAll('-', '/')
    const id = uuidAt(rs, created)
    sourcesT.add(id, `https://${domain}/${day}/${slug}-${j.toString(36)}`, title, publisher, rs.chance(0.03) ? null : iso(published),
      kind, language, iso(created), iso(created))
    sourceIds.push(id)
    if (sourcesT.pending >= BATCH) await loader.flush(sourcesT)
  }
  await loader.flush(sourcesT)
  /** A source published around position u of the timeline. */
  const sourceNear = (rr: Rng, u: number) => Math.max(0, Math.min(nSources - 1, Math.floor(u * nSources) - Math.floor(rr.exp(20))))

  // --- Statement plan: decided before the incidents, whose contested flag depends on denials. --
  const rp = new Rng(o.seed ^ 0x57a7)
  const planIncidents = new Int32Array(S * 2).fill(-1)
  const planKinds: StatementKind[] = []
  const planDeleted = new Uint8Array(S)
  const denied = new Uint8Array(N)
  /** An incident created shortly before position u; every 50th incident draws clusters of statements. */
  const incidentNear = (u: number) => {
    let i = Math.floor(u * N) - Math.floor(rp.exp(N / 2000 + 1))
    if (rp.chance(0.3)) i -= i % 50
    return Math.max(0, Math.min(N - 1, i))
  }
  for (let k = 0; k < S; k++) {
    const kind = drawFrom(rp, statementKinds)
    planKinds.push(kind)
    planDeleted[k] = rp.chance(0.01) ? 1 : 0
    if (rp.chance(0.8)) {
      planIncidents[2 * k] = incidentNear(k / S)
      const second = rp.chance(0.1) ? incidentNear(k / S) : -1
      if (second !== planIncidents[2 * k]) planIncidents[2 * k + 1] = second
    }
    // Contested counts live denials only.
    if (kind === 'denial' && !planDeleted[k]) for (const i of planIncidents.subarray(2 * k, 2 * k + 2)) if (i >= 0) denied[i] = 1
  }

  // --- Incidents with their actors, sources and casualty reports. ------------------------------
  const ri = new Rng(o.seed ^ 0x1c1d)
  const incidentsT = new Table('incidents', `id uuid, type "IncidentType", title text, summary text, status "IncidentStatus", occurred_at timestamptz,
    ended_at timestamptz, date_precision "DatePrecision", country_codes text[], location_name text,
    location_admin1 text, location_country text, lat float8, lon float8, location_precision "LocationPrecision",
    tags text[], fatalities_low int4, fatalities_best int4, fatalities_high int4, contested bool,
    created_at timestamptz, updated_at timestamptz, version int4, deleted_at timestamptz, actor_links json, source_links json`)
  const incidentActorsT = new Table('incident_actors', 'id uuid, incident_id uuid, actor_id uuid, role "ActorRole", position int4')
  // Role ids from a counter, not the PRNG: the other rows stay what they were before roles had ids.
  let roleSerial = 0
  const incidentSourcesT = new Table('incident_sources', 'incident_id uuid, source_id uuid, position int4')
  const reportsT = new Table('casualty_reports', `id uuid, incident_id uuid, reported_by_id uuid, category "CasualtyCategory", min int4, max int4, qualifier
    "CasualtyQualifier", groups text[], reported_at timestamptz, created_at timestamptz, updated_at timestamptz,
    version int4, deleted_at timestamptz`)
  const reportSourcesT = new Table('casualty_report_sources', 'casualty_report_id uuid, source_id uuid, position int4')
  // What the statements need to know about each incident.
  const inc = { ids: [] as string[], occurred: new Float64Array(N), actors: new Int32Array(N * 3).fill(-1), what: [] as string[], where: [] as string[] }
  const townWeights = world.countries.map((c) => zipf(c.towns.length))
  const tagWeights = zipf(world.tags.length)

  for (let k = 0; k < N; k++) {
    const u = (k + ri.next()) / N
    const created = slot(u)
    // Most incidents are entered hours after they happen; some are back-filled months later.
    let occurred = ri.chance(0.15)
      ? created - ri.between(DAY, Math.min(2 * YEAR, created - START + 30 * DAY))
      : created - 10 * 60_000 - ri.exp(10 * HOUR)
    const c = ri.draw(countryWeights)
    const country = world.countries[c]
    const type = drawFrom(ri, incidentTypes)
    const town = country.towns[ri.draw(townWeights[c])]
    const datePrecision = drawFrom(ri, datePrecisions)
    if (datePrecision !== 'exact') occurred = Math.floor(occurred / DAY) * DAY
    const lasting = type === 'armed_clash' || type === 'ground_operation' || type === 'protest'
    const ended = ri.chance(lasting ? 0.25 : 0.03) ? occurred + HOUR + ri.exp(20 * HOUR) : null

    const codes = [country.code]
    if (country.neighbours && ri.chance(type === 'cross_border_fire' ? 0.9 : 0.04)) codes.push(ri.pick(country.neighbours))
    const tags = new Set<string>()
    for (let t = ri.int(4); t > 0; t--) tags.add(world.tags[ri.draw(tagWeights)])
    if (codes.length > 1) tags.add('cross-border')

    // Location (70%): all columns or none (incidents_location_complete).
    let loc: [string, string | null, number, number, string] | null = null
    if (ri.chance(0.7)) {
      const precision = drawFrom(ri, locationPrecisions)
      const spread = { exact: 0.01, near: 0.06, admin1: 0.35, country: 0 }[precision]!
      loc = precision === 'country'
        ? [country.name, null, country.centre[0], country.centre[1], precision]
        : [precision === 'admin1' ? town[1] : town[0], town[1], round5(town[2] + spread * ri.jitter()), round5(town[3] + spread * ri.jitter()), precision]
    }

    // Actors: a perpetrator and a counterpart from the country's pool, sometimes a third party.
    const id = uuidAt(ri, created)
    const pool = pools[c]
    const perpetrator = pool[ri.draw(poolWeights[c])]
    let counterpart = pool[ri.draw(poolWeights[c])]
    for (let t = 0; t < 5 && counterpart === perpetrator; t++) counterpart = pool[ri.draw(poolWeights[c])]
    const links: Array<[number, ActorRole]> = [[perpetrator, ri.chance(0.9) ? 'perpetrator' : 'other']]
    if (counterpart !== perpetrator) links.push([counterpart, ri.chance(0.6) ? 'target' : 'victim'])
    if (ri.chance(0.4)) {
      const third: [number, ActorRole] = ri.chance(0.6) ? [civilians[c], 'victim'] : [pool[ri.draw(poolWeights[c])], ri.chance(0.4) ? 'mediator' : 'other']
      if (!links.some(([a]) => a === third[0])) links.push(third)
    }
    // The link columns as the database's triggers would write them (they are off during the load).
    const actorLinks = links.map(([a, role], position) => {
      const roleId = UUID.fromFieldsV7(Math.floor(created), 0, 0, roleSerial++).toString()
      incidentActorsT.add(roleId, id, actor.ids[a], role, position)
      inc.actors[3 * k + position] = a
      return { id: roleId, actorId: actor.ids[a], role, attribution: 'confirmed', assertedById: null, disputed: false, statementIds: [] }
    })

    const sources = new Set([sourceNear(ri, u)])
    if (ri.chance(0.45)) sources.add(sourceNear(ri, u))
    ;[...sources].forEach((s, position) => incidentSourcesT.add(id, sourceIds[s], position))
    const firstSource = sourceIds[[...sources][0]]

    // Casualty reports on about a third: each party reports its own figure (one per reporter and category).
    const killed: KilledReport[] = []
    const reports: Array<{ row: unknown[], created: number }> = []
    if (ri.chance(type === 'protest' || type === 'arrest' ? 0.1 : 0.38)) {
      const base = Math.min(2000, Math.floor(ri.pareto(1.1)))
      const reporters: Array<number | null> = [null, ...links.map(([a]) => a)]
      const figures: Array<[string, number]> = []
      const nKilled = Math.min(reporters.length, 1 + ri.draw(new Weights([50, 35, 15])))
      for (let n = 0; n < nKilled; n++) figures.push(['killed', ri.chance(0.6) ? base : Math.max(0, Math.round(base * ri.between(0.5, 1.6)))])
      if (ri.chance(0.3)) figures.push(['injured', Math.round(base * ri.between(1, 3))])
      if (ri.chance(0.05)) figures.push([ri.pick(['missing', 'detained', 'displaced']), Math.round(base * ri.between(1, 20))])
      const perCategory = new Map<string, number>()
      for (const [category, figure] of figures) {
        const n = perCategory.get(category) ?? 0
        perCategory.set(category, n + 1)
        const qualifier = drawFrom(ri, qualifiers)
        // min/max as figureProblem() accepts them: max only with range or at_most.
        const min = qualifier === 'at_most' ? Math.floor(figure * 0.6) : figure
        const max = qualifier === 'range' ? figure + 1 + Math.floor(figure * 0.5) : qualifier === 'at_most' ? figure : null
        if (category === 'killed') killed.push({ min, max, qualifier })
        const groups = new Set<string>()
        for (let g = ri.int(3); g > 0; g--) groups.add(ri.pick(world.casualtyGroups))
        const reportedAt = occurred + HOUR + ri.exp(12 * HOUR)
        const reportCreated = clampEnd(Math.max(created, reportedAt) + ri.exp(6 * HOUR))
        const reporter = reporters[n]
        reports.push({
          created: reportCreated,
          row: [uuidAt(ri, reportCreated), id, reporter === null ? null : actor.ids[reporter], category, min, max, qualifier,
            arrayLiteral([...groups]), iso(reportedAt), iso(reportCreated)]
        })
      }
    }
    // The same roll-up the API runs on every casualty write.
    const fatalities = rollUp(killed)
    const contested = isContested(fatalities, denied[k] === 1)

    // Later edits, the derived-field refresh after the reports, and a rare soft delete (which,
    // as in the API, also soft-deletes the incident's casualty reports).
    let updated = Math.max(created, ...reports.map((rep) => rep.created))
    let version = 1 + (reports.length > 0 ? 1 : 0)
    if (ri.chance(0.25)) {
      version += 1 + ri.int(3)
      updated = clampEnd(Math.max(updated, created + ri.between(HOUR, 60 * DAY)))
    }
    const deletedAt = ri.chance(0.01) ? clampEnd(updated + ri.between(HOUR, 30 * DAY)) : null
    if (deletedAt !== null) {
      updated = deletedAt
      version++
    }
    for (const rep of reports) {
      reportsT.add(...rep.row, iso(deletedAt ?? rep.created), deletedAt === null ? 1 : 2, isoOrNull(deletedAt))
      reportSourcesT.add(rep.row[0], firstSource, 0)
    }

    // Text for full-text search: type word, place and actor names.
    const label = world.typeLabels[type]
    const place = ri.chance(0.8) ? town[0] : `${town[1]} province`
    const target = ri.pick(world.targets)
    const verb = ri.pick(world.titleVerbs[type])
    const title = ri.chance(0.25)
      ? `${label} by ${actor.names[perpetrator]} ${verb} ${target} in ${place}`
      : `${label} ${verb} ${target} in ${place}`
    let summary: string | null = null
    if (ri.chance(0.9)) {
      const inTown = town[0] === town[1] ? town[0] : `${town[0]}, ${town[1]}`
      const parts = [`${cap(ri.pick(world.adjectives))} ${label.toLowerCase()} ${verb} a ${target} in ${inTown}, ${country.name}.`]
      parts.push(fatalities
        ? `Local officials said ${fatalities.best} people were killed.`
        : ri.pick(['No casualties were reported.', 'Casualty figures could not be independently verified.', `Damage to a nearby ${ri.pick(world.targets)} was reported.`]))
      if (ri.chance(0.4)) parts.push(`${actor.names[perpetrator]} ${ri.pick(['claimed responsibility', 'denied involvement', 'did not comment'])}.`)
      if (type !== 'airstrike' && ri.chance(0.03)) parts.push('It followed an airstrike in the area earlier that week.')
      if (ri.chance(0.1)) parts.push(`Authorities in ${country.towns[0][0]} said an investigation was under way.`)
      summary = parts.join(' ')
    }

    incidentsT.add(id, type, title, summary, drawFrom(ri, statuses), iso(occurred), isoOrNull(ended), datePrecision, arrayLiteral(codes),
      loc?.[0] ?? null, loc?.[1] ?? null, loc ? country.code : null, loc?.[2] ?? null, loc?.[3] ?? null, loc?.[4] ?? null,
      arrayLiteral([...tags]), fatalities?.low ?? null, fatalities?.best ?? null, fatalities?.high ?? null, contested,
      iso(created), iso(updated), version, isoOrNull(deletedAt), JSON.stringify(actorLinks), JSON.stringify([...sources].map((s) => ({ sourceId: sourceIds[s] }))))
    inc.ids.push(id)
    inc.occurred[k] = occurred
    inc.what.push(label.toLowerCase())
    inc.where.push(town[0])
    if (incidentsT.pending >= BATCH) await loader.flush(incidentsT, incidentActorsT, incidentSourcesT, reportsT, reportSourcesT)
  }
  await loader.flush(incidentsT, incidentActorsT, incidentSourcesT, reportsT, reportSourcesT)

  // --- Statements, following the plan. ---------------------------------------------------------
  const rt = new Rng(o.seed ^ 0x5747)
  const statementsT = new Table('statements', `id uuid, speaker_id uuid, speaker_title text, kind "StatementKind", summary text, quote text, language text,
    stated_at timestamptz, date_precision "DatePrecision", responds_to_id uuid, created_at timestamptz, updated_at
    timestamptz, version int4, deleted_at timestamptz`)
  const statementIncidentsT = new Table('statement_incidents', 'statement_id uuid, incident_id uuid, position int4')
  const aboutT = new Table('statement_about_actors', 'statement_id uuid, actor_id uuid, position int4')
  const statementSourcesT = new Table('statement_sources', 'statement_id uuid, source_id uuid, position int4')
  const statementIds: string[] = []
  const lastStatement = new Int32Array(N).fill(-1) // for responds_to: answer the incident's previous statement
  for (let k = 0; k < S; k++) {
    const kind = planKinds[k]
    const [i1, i2] = planIncidents.subarray(2 * k, 2 * k + 2)
    const u = (k + rt.next()) / S
    let stated: number
    let speaker: number
    let about: number[]
    let what = 'fighting'
    let where: string
    if (i1 >= 0) {
      const parties = [...inc.actors.subarray(3 * i1, 3 * i1 + 3)].filter((a) => a >= 0)
      const latest = Math.max(inc.occurred[i1], i2 >= 0 ? inc.occurred[i2] : 0) // speaks after both incidents
      stated = Math.min(END - HOUR, latest + HOUR / 2 + rt.exp(18 * HOUR))
      // Claims and denials come from the perpetrator, the rest from any party or an outside voice.
      speaker = kind === 'claim' || kind === 'denial' ? parties[0] : rt.chance(0.6) ? rt.pick(parties) : globals[rt.draw(globalWeights)]
      about = parties.filter((a) => a !== speaker).slice(0, rt.int(3))
      what = inc.what[i1]
      where = inc.where[i1]
    } else {
      const c = rt.draw(countryWeights)
      stated = slot(u) - rt.exp(6 * HOUR)
      speaker = rt.chance(0.5) ? globals[rt.draw(globalWeights)] : pools[c][rt.draw(poolWeights[c])]
      about = rt.chance(0.5) ? [pools[c][rt.draw(poolWeights[c])]].filter((a) => a !== speaker) : []
      where = world.countries[c].name
    }
    const created = clampEnd(Math.max(slot(u), stated + HOUR / 4 + rt.exp(3 * HOUR)))
    const id = uuidAt(rt, created)
    const respondsTo = i1 >= 0 && lastStatement[i1] >= 0 && ['denial', 'confirmation', 'accusation', 'condemnation'].includes(kind) && rt.chance(0.5)
      ? statementIds[lastStatement[i1]]
      : null
    if (i1 >= 0) lastStatement[i1] = k
    const summary = statementText[kind].replace('{s}', actor.names[speaker]).replace('{o}', about[0] === undefined ? 'the other side' : actor.names[about[0]])
      .replace('{t}', what).replace('{p}', where)
    const quote = rt.chance(0.4) ? `"${cap(rt.pick(world.adjectives))} attacks on the ${rt.pick(world.targets)} will not go unanswered."` : null
    const deletedAt = planDeleted[k] ? clampEnd(created + rt.between(HOUR, 10 * DAY)) : null
    statementsT.add(id, actor.ids[speaker], actor.kinds[speaker] === 'person' || rt.chance(0.6) ? rt.pick(world.speakerTitles) : null, kind,
      summary, quote, drawFrom(rt, languages), iso(stated), rt.chance(0.75) ? 'exact' : 'day', respondsTo, iso(created),
      iso(deletedAt ?? created), deletedAt === null ? 1 : 2, isoOrNull(deletedAt))
    statementIds.push(id)
    ;[i1, i2].filter((i) => i >= 0).forEach((i, position) => statementIncidentsT.add(id, inc.ids[i], position))
    about.forEach((a, position) => aboutT.add(id, actor.ids[a], position))
    if (rt.chance(0.6)) statementSourcesT.add(id, sourceIds[sourceNear(rt, u)], 0)
    if (statementsT.pending >= BATCH) await loader.flush(statementsT, statementIncidentsT, aboutT, statementSourcesT)
  }
  await loader.flush(statementsT, statementIncidentsT, aboutT, statementSourcesT)
  await loader.drain()

  const counts = [actorsT, sourcesT, incidentsT, incidentActorsT, incidentSourcesT, reportsT, reportSourcesT,
    statementsT, statementIncidentsT, aboutT, statementSourcesT].map((t) => ({ table: t.name, rows: t.inserted }))
  return { counts, waitedMs: loader.waitedMs }
}

const allTables = ['incident_relation_statements', 'incident_relations', 'incident_actor_statements', 'statement_sources', 'statement_about_actors',
  'statement_incidents', 'statements', 'casualty_report_sources', 'casualty_reports', 'incident_sources', 'incident_actors', 'incidents', 'sources',
  'actor_names', 'actors', 'changes']
/** The tables load() writes; actor_names is filled by the actors trigger, which stays on. */
const filledTables = ['actors', 'sources', 'incidents', 'incident_actors', 'incident_sources', 'casualty_reports', 'casualty_report_sources',
  'statements', 'statement_incidents', 'statement_about_actors', 'statement_sources']

interface Deferred { indexes: Array<{ name: string, sql: string }>, foreignKeys: Array<{ table: string, name: string, sql: string }> }

/**
 * Drops the filled tables' secondary indexes (all but those a constraint owns or uses: primary
 * keys, unique constraints, indexes a foreign key references) and their foreign keys, and returns
 * the statements that recreate them exactly as they were.
 */
async function dropForLoad (db: pg.ClientBase): Promise<Deferred> {
  const { rows: indexes } = await db.query<{ name: string, sql: string }>(`
    SELECT format('%I.%I', x.schemaname, x.indexname) AS name, x.indexdef AS sql
    FROM pg_indexes x
    WHERE x.schemaname = current_schema() AND x.tablename = ANY($1)
      AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = format('%I.%I', x.schemaname, x.indexname)::regclass)
    ORDER BY x.tablename, x.indexname`, [filledTables])
  const { rows: foreignKeys } = await db.query<{ table: string, name: string, sql: string }>(`
    SELECT k.conrelid::regclass::text AS table, quote_ident(k.conname) AS name, pg_get_constraintdef(k.oid) AS sql
    FROM pg_constraint k
    WHERE k.contype = 'f' AND k.conrelid = ANY (SELECT format('%I.%I', current_schema(), t)::regclass FROM unnest($1::text[]) t)
    ORDER BY k.conrelid::regclass::text, k.conname`, [filledTables])
  for (const k of foreignKeys) await db.query(`ALTER TABLE ${k.table} DROP CONSTRAINT ${k.name}`)
  if (indexes.length > 0) await db.query(`DROP INDEX ${indexes.map((i) => i.name).join(', ')}`)
  return { indexes, foreignKeys }
}

const linkTriggers = [{ table: 'incident_actors', name: 'incident_actors_links_insert' }, { table: 'incident_sources', name: 'incident_sources_links_insert' }]

/** The link columns the generator wrote agree with what the triggers compute (a sample, rolled back). */
async function checkLinkColumns (db: pg.Client) {
  await db.query('SAVEPOINT link_check')
  await db.query('CREATE TEMP TABLE link_sample AS SELECT id, actor_links::jsonb AS a, source_links::jsonb AS s FROM incidents ORDER BY id LIMIT 2000')
  await db.query('SELECT refresh_incident_actor_links(ARRAY(SELECT id FROM link_sample)), refresh_incident_source_links(ARRAY(SELECT id FROM link_sample))')
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM link_sample x JOIN incidents i USING (id) WHERE i.actor_links::jsonb <> x.a OR i.source_links::jsonb <> x.s')
  await db.query('ROLLBACK TO SAVEPOINT link_check')
  if (n > 0) throw new Error(`the generator's link columns differ from the triggers' on ${n} of 2,000 incidents`)
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/**
 * Loads one data set into a migrated, empty database (or emptied with truncate) in one
 * transaction: truncate, drop secondary indexes and foreign keys, COPY, recreate the indexes,
 * re-add (and so validate) the foreign keys, commit; then VACUUM ANALYZE.
 */
export async function generate (databaseUrl: string, o: GenerateOptions & { truncate?: boolean }, log: (m: string) => void = console.log) {
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  try {
    if (!o.truncate) {
      const { rows: [{ used }] } = await db.query(`SELECT ${allTables.map((t) => `EXISTS (SELECT FROM ${t})`).join(' OR ')} AS used`)
      if (used) throw new Error('the database already holds data; pass --truncate to empty it first')
    }
    const phases: Array<[string, number]> = []
    let t = performance.now()
    const phase = (name: string) => {
      const now = performance.now()
      phases.push([name, now - t])
      t = now
    }
    await db.query('BEGIN')
    let loaded
    try {
      // Truncating in this transaction, even tables known to be empty, is what allows COPY FREEZE.
      // CASCADE empties the link tables load() does not fill (relations, role statements) too.
      await db.query(`TRUNCATE ${allTables.join(', ')} CASCADE`)
      await db.query("SET LOCAL maintenance_work_mem = '1GB'")
      const deferred = await dropForLoad(db)
      // The generator writes the incidents' link columns itself: the triggers that keep them would
      // rewrite every incident row once per COPY of its links.
      for (const t of linkTriggers) await db.query(`ALTER TABLE ${t.table} DISABLE TRIGGER ${t.name}`)
      phase('prepare (truncate, drop indexes and foreign keys)')
      loaded = await load(db, o, { freeze: true })
      phase('load (COPY)')
      for (const t of linkTriggers) await db.query(`ALTER TABLE ${t.table} ENABLE TRIGGER ${t.name}`)
      await checkLinkColumns(db)
      for (const i of deferred.indexes) await db.query(i.sql)
      phase(`build ${deferred.indexes.length} indexes`)
      for (const k of deferred.foreignKeys) await db.query(`ALTER TABLE ${k.table} ADD CONSTRAINT ${k.name} ${k.sql}`)
      phase(`validate ${deferred.foreignKeys.length} foreign keys`)
      await db.query('COMMIT')
      phase('commit')
    } catch (err) {
      await db.query('ROLLBACK').catch(() => {})
      throw err
    }
    // VACUUM as well as ANALYZE: it sets the visibility map, as autovacuum would have on a live
    // database, so index-only scans are costed and run as they would be in production (COPY
    // FREEZE has set it for the loaded tables already; actor_names still needs it).
    await db.query('VACUUM (ANALYZE)')
    phase('VACUUM (ANALYZE)')

    const { rows: [names] } = await db.query('SELECT count(*)::int AS n FROM actor_names')
    const counts = [...loaded.counts]
    counts.push({ table: 'actor_names (trigger)', rows: names.n })
    const total = counts.reduce((s, c) => s + c.rows, 0)
    const totalMs = phases.reduce((s, [, ms]) => s + ms, 0)
    const loadMs = phases.find(([name]) => name.startsWith('load'))![1]
    for (const c of counts) log(`  ${c.table.padEnd(26)} ${c.rows.toLocaleString('en-US').padStart(11)}`)
    log(`  ${'total'.padEnd(26)} ${total.toLocaleString('en-US').padStart(11)}`)
    for (const [name, ms] of phases) log(`  ${seconds(ms).padStart(8)}  ${name}`)
    log(`  ${seconds(totalMs).padStart(8)}  total: ${Math.round(total / (totalMs / 1000)).toLocaleString('en-US')} rows/s ` +
      `(COPY alone ${Math.round(total / (loadMs / 1000)).toLocaleString('en-US')} rows/s; the generator waited ${seconds(loaded.waitedMs)} for the database)`)
    return { counts, total, loadMs, totalMs, phases }
  } finally {
    await db.end()
  }
}

async function main () {
  const { values: a } = parseArgs({
    options: {
      'database-url': { type: 'string', default: process.env.DATABASE_URL },
      incidents: { type: 'string', default: '100000' },
      statements: { type: 'string', default: '0' },
      actors: { type: 'string', default: '10000' },
      sources: { type: 'string' },
      seed: { type: 'string', default: '42' },
      truncate: { type: 'boolean', default: false }
    }
  })
  const url = a['database-url']
  if (!url) throw new Error('give --database-url (or DATABASE_URL)')
  const { applied } = await migrate(url)
  if (applied.length > 0) console.log(`applied migrations: ${applied.join(', ')}`)
  await generate(url, {
    incidents: Number(a.incidents),
    statements: Number(a.statements),
    actors: Number(a.actors),
    sources: a.sources === undefined ? undefined : Number(a.sources),
    seed: Number(a.seed),
    truncate: a.truncate
  })
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => { console.error(err); process.exitCode = 1 })
}
