// The shapes the explorer reads, as the public API documents them (openapi/openapi.json); only the
// fields the pages use.

export interface Page<T> { data: T[], page: { limit: number, nextCursor: string | null, total?: number } }

export interface Actor { id: string, name: string, kind: string, countryCode: string | null, aliases: string[] }

export interface Location { name: string, admin1: string | null, countryCode: string, lat: number, lon: number, precision: 'exact' | 'near' | 'admin1' | 'country' }

export interface Fatalities { low: number, best: number, high: number }

export interface IncidentRole {
  actorId: string
  role: string
  attribution: 'confirmed' | 'claimed' | 'alleged'
  assertedById: string | null
  statementIds: string[]
  disputed: boolean
  actor?: Actor
}

export interface Source { id: string, url: string, title: string, publisher: string, publishedAt: string | null, kind: string }

export interface CasualtyReport {
  id: string
  incidentId: string
  reportedById: string | null
  affectedActorId?: string | null
  category: 'killed' | 'injured' | 'missing' | 'detained' | 'displaced'
  min: number
  max: number | null
  qualifier: string
  phrase?: string | null
  groups: string[]
  note: string | null
}

export interface Statement {
  id: string
  speakerId: string
  speakerTitle: string | null
  kind: string
  summary: string
  quote: string | null
  statedAt: string
  datePrecision: string
  incidentIds: string[]
  aboutActorIds: string[]
  respondsToId: string | null
  sourceIds: string[]
  speaker?: Actor
}

export interface Incident {
  id: string
  type: string
  title: string
  summary: string | null
  status: string
  occurredAt: string
  datePrecision: string
  countryCodes: string[]
  location: Location | null
  actors: IncidentRole[]
  tags: string[]
  sourceIds: string[]
  fatalities: Fatalities | null
  contested: boolean
  updatedAt: string
  casualtyReports?: CasualtyReport[]
  statements?: Statement[]
  sources?: Source[]
}

export interface Account { actor: Actor, statements: Statement[], casualtyReports: CasualtyReport[] }
export interface Accounts { incidentId: string, fatalities: Fatalities | null, contested: boolean, accounts: Account[] }

export interface RelatedIncident { incidentId: string, kind: string, direction: 'outgoing' | 'incoming', assertedById: string | null, incident?: Incident }

export type TimelineEntry =
  | { kind: 'incident', at: string, item: Incident }
  | { kind: 'statement', at: string, item: Statement }

export interface StatsRow { count: number, fatalities: Fatalities, contested: number, type?: string, month?: string }

export interface Change { seq: string | number, entity: string, id: string, action: 'created' | 'updated' | 'deleted', version: number, at: string }

export interface Problem { title: string, status: number, detail?: string }
