import type pg from 'pg'
import { Prisma } from '../../../generated/prisma/client.ts'
import type { ActorKind, ActorRole, CasualtyQualifier } from '../../../generated/prisma/enums.ts'
import type { casualtyGroups } from '../../casualties/schemas.ts'
import type { FieldError } from '../../../http/problems.ts'
import { rawRows } from '../../../db/rows.ts'
import { normaliseUrl } from '../../sources/rules.ts'
import { externalIdHoldersSql, type ExternalIdHolder } from '../../incidents/views.ts'
import { checkRecords, type RawRecord } from '../lines.ts'
import type { Prepared } from '../service.ts'

// What an ACLED or UCDP row says, before it is matched against the database: the mappers
// (acled.ts, ucdp.ts) only read the file; datasetRecords() turns their events into the import's
// records, reusing the actors, sources, incidents and figures the database already holds.

export type Dataset = 'acled' | 'ucdp'

/** An actor as a dataset names it: matched by its dataset id, else by name or alias, else created. */
export interface ActorKey {
  name: string
  kind: ActorKind
  /** ACLED actor name (kept in the actor's externalIds.acled) */
  acled?: string
  /** UCDP actor id (externalIds.ucdp) */
  ucdp?: string
  aliases?: string[]
  countryCode?: string | null
  description?: string
}

type CasualtyGroup = typeof casualtyGroups[number]

export interface EventFigure {
  /** whose dead the figure counts; null for the event's total */
  affected: ActorKey | null
  min: number
  max: number | null
  qualifier: CasualtyQualifier
  groups: CasualtyGroup[]
  note: string | null
}

export interface EventSource { url: string, title: string, publisher: string, publishedAt: string | null }

/** One dataset row, mapped. */
export interface DatasetEvent {
  /** the line of the file the row starts on */
  at: number
  externalId: string
  /** the incident's fields but its actors, sources and externalIds */
  incident: Record<string, unknown>
  actors: Array<{ actor: ActorKey, role: ActorRole }>
  source: EventSource
  figures: EventFigure[]
  reportedAt: string | null
}

export interface DatasetInfo { dataset: Dataset, column: string, reporter: ActorKey }

interface ActorHit { name: string, key: string, id: string | null }

/** The text cut to the field's limit, marked as cut. */
export const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)

/** Finds the live actors the keys name: by dataset id first, then by any name or alias (as sitrep_name_key() compares them). */
async function findActors (client: pg.ClientBase, keys: ActorKey[]) {
  const acled = [...new Set(keys.flatMap((k) => (k.acled ? [k.acled] : [])))]
  const ucdp = [...new Set(keys.flatMap((k) => (k.ucdp ? [k.ucdp] : [])))]
  const names = [...new Set(keys.map((k) => k.name))]
  const byId = await rawRows<{ id: string, acled: string | null, ucdp: string | null }>(client, Prisma.sql`
    SELECT coalesce(a.merged_into_id, a.id)::text AS id, a.acled_name AS acled, a.ucdp_id AS ucdp FROM actors a
    WHERE a.deleted_at IS NULL AND (a.acled_name = ANY(${acled}::text[]) OR a.ucdp_id = ANY(${ucdp}::text[]))
    ORDER BY a.merged_into_id NULLS FIRST, a.id`)
  const byName = await rawRows<ActorHit>(client, Prisma.sql`
    SELECT x.name, sitrep_name_key(x.name) AS key, h.id FROM unnest(${names}::text[]) AS x(name)
    LEFT JOIN LATERAL (SELECT n.actor_id::text AS id FROM actor_names n WHERE n.key = sitrep_name_key(x.name) LIMIT 1) h ON true`)
  const acledIds = new Map<string, string>()
  const ucdpIds = new Map<string, string>()
  for (const r of byId) {
    if (r.acled !== null && !acledIds.has(r.acled)) acledIds.set(r.acled, r.id)
    if (r.ucdp !== null && !ucdpIds.has(r.ucdp)) ucdpIds.set(r.ucdp, r.id)
  }
  return { acledIds, ucdpIds, names: new Map(byName.map((r) => [r.name, r])) }
}

/**
 * The import's records for the events: an actor, source or incident the database holds is named by
 * its id (an incident found by its dataset id is rewritten), the rest are created once per file;
 * figures are reported by the dataset's own actor, and one it gave before on the same incident, for
 * the same people, is rewritten. Runs inside the import's transaction.
 */
export async function datasetRecords (client: pg.ClientBase, info: DatasetInfo, events: DatasetEvent[], errors: FieldError[]): Promise<Prepared> {
  const seen = new Map<string, number>()
  const unique: DatasetEvent[] = []
  for (const e of events) {
    const first = seen.get(e.externalId)
    if (first !== undefined) {
      errors.push({ in: 'body', line: e.at, path: info.column, message: `${info.column} ${e.externalId} is already on line ${first}` })
      continue
    }
    seen.set(e.externalId, e.at)
    unique.push(e)
  }
  events = unique

  const keys = [info.reporter, ...events.flatMap((e) => [...e.actors.map((a) => a.actor), ...e.figures.flatMap((f) => (f.affected ? [f.affected] : []))])]
  const found = await findActors(client, keys)
  const urls = [...new Set(events.map((e) => normaliseUrl(e.source.url)!))]
  const sourceRows = await rawRows<{ id: string, url: string }>(client, Prisma.sql`SELECT id::text, url FROM sources WHERE url = ANY(${urls}::text[]) AND deleted_at IS NULL`)
  const sources = new Map(sourceRows.map((r) => [r.url, r.id]))
  const wanted = { acled: [] as string[], ucdp: [] as string[], gdelt: [] as string[] }
  wanted[info.dataset] = events.map((e) => e.externalId)
  const holders = await rawRows<ExternalIdHolder>(client, externalIdHoldersSql(wanted))
  const incidents = new Map(holders.map((h) => [h.externalId, h.id]))

  const records: RawRecord[] = []
  const add = (record: Omit<RawRecord, 'n'>) => { records.push({ n: records.length + 1, ...record }); return record }

  // An actor once per file: by dataset id, else by name key; those created get a ref.
  const made = new Map<string, { ref: string } | string>()
  const actorRef = (key: ActorKey, at: number): { ref: string } | string => {
    const hit = found.names.get(key.name)
    const idKey = key.acled !== undefined ? `acled:${key.acled}` : key.ucdp !== undefined ? `ucdp:${key.ucdp}` : null
    const nameKey = `name:${hit?.key ?? key.name.toLowerCase()}`
    const known = (idKey && made.get(idKey)) ?? made.get(nameKey)
    if (known) return known
    const existing = (key.acled !== undefined ? found.acledIds.get(key.acled) : undefined) ??
      (key.ucdp !== undefined ? found.ucdpIds.get(key.ucdp) : undefined) ?? hit?.id ?? null
    let value: { ref: string } | string
    if (existing !== null) {
      value = existing
    } else {
      value = { ref: `actor ${key.name}` }
      const externalIds: Record<string, string> = {}
      if (key.acled !== undefined) externalIds.acled = key.acled
      if (key.ucdp !== undefined) externalIds.ucdp = key.ucdp
      add({
        at,
        entity: 'actor',
        ref: value.ref,
        data: {
          name: truncate(key.name, 200),
          kind: key.kind,
          aliases: key.aliases ?? [],
          countryCode: key.countryCode ?? null,
          description: key.description ?? null,
          externalIds
        }
      })
    }
    if (idKey) made.set(idKey, value)
    made.set(nameKey, value)
    return value
  }

  const reporter = actorRef(info.reporter, events[0]?.at ?? 1)
  const reporterId = typeof reporter === 'string' ? reporter : null
  const incidentIds = [...incidents.values()]
  const priorFigures = reporterId === null || incidentIds.length === 0
    ? []
    : await rawRows<{ id: string, incidentId: string, affectedActorId: string | null }>(client, Prisma.sql`
      SELECT id::text, incident_id::text AS "incidentId", affected_actor_id::text AS "affectedActorId" FROM casualty_reports
      WHERE incident_id = ANY(${incidentIds}::uuid[]) AND reported_by_id = ${reporterId}::uuid AND category = 'killed' AND deleted_at IS NULL`)
  const figureIds = new Map(priorFigures.map((f) => [`${f.incidentId}|${f.affectedActorId ?? ''}`, f.id]))

  const sourceRefs = new Map<string, { ref: string } | string>()
  for (const e of events) {
    const url = normaliseUrl(e.source.url)!
    let source = sourceRefs.get(url) ?? sources.get(url)
    if (source === undefined) {
      source = { ref: `source ${url}` }
      add({ at: e.at, entity: 'source', ref: source.ref, data: { ...e.source, title: truncate(e.source.title, 500), publisher: truncate(e.source.publisher, 200), kind: 'report', language: 'en' } })
    }
    sourceRefs.set(url, source)

    // A role once per actor and role: an actor named twice on one side (or as actor and associate) is one role.
    const roles = new Map<string, { actorId: { ref: string } | string, role: ActorRole }>()
    for (const { actor, role } of e.actors) {
      const actorId = actorRef(actor, e.at)
      roles.set(`${typeof actorId === 'string' ? actorId : actorId.ref}|${role}`, { actorId, role })
    }
    const existing = incidents.get(e.externalId)
    const incidentRef = `event ${e.externalId}`
    add({
      at: e.at,
      entity: 'incident',
      ...(existing ? { id: existing, existing: true as const } : { ref: incidentRef }),
      data: { ...e.incident, actors: [...roles.values()], sourceIds: [source], externalIds: { [info.dataset]: e.externalId } }
    })
    for (const f of e.figures) {
      const affectedActorId = f.affected ? actorRef(f.affected, e.at) : null
      const prior = existing && (affectedActorId === null || typeof affectedActorId === 'string') ? figureIds.get(`${existing}|${affectedActorId ?? ''}`) : undefined
      add({
        at: e.at,
        entity: 'casualtyReport',
        ...(prior ? { id: prior, existing: true as const } : {}),
        data: {
          incidentId: existing ?? { ref: incidentRef },
          reportedById: reporter,
          affectedActorId,
          sourceIds: [source],
          category: 'killed',
          min: f.min,
          max: f.max,
          qualifier: f.qualifier,
          groups: f.groups,
          note: f.note === null ? null : truncate(f.note, 2000),
          reportedAt: e.reportedAt
        }
      })
    }
  }
  const checked = checkRecords(records)
  return { lines: checked.lines, errors: [...errors, ...checked.errors] }
}
