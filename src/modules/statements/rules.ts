import type { FieldError } from '../../http/problems.ts'
import type { Reference } from '../../db/references.ts'
import type { CreateStatement } from './schemas.ts'
import type { StatementSummary } from './summary.ts'

// The write rules of a statement, shared by the single writes (repository.ts) and the import (imports/judge.ts).

export const statementReferences = (input: CreateStatement): Reference[] => [
  { kind: 'actor', id: input.speakerId, path: 'speakerId' },
  ...input.incidentIds.map((id, n) => ({ kind: 'incident' as const, id, path: `incidentIds.${n}` })),
  ...input.aboutActorIds.map((id, n) => ({ kind: 'actor' as const, id, path: `aboutActorIds.${n}` })),
  ...input.sourceIds.map((id, n) => ({ kind: 'source' as const, id, path: `sourceIds.${n}` })),
  ...(input.respondsToId ? [{ kind: 'statement' as const, id: input.respondsToId, path: 'respondsToId' }] : [])
]

/** The first rule across fields that the statement breaks, or null. */
export function statementRuleError (input: Pick<CreateStatement, 'originalQuote' | 'originalLanguage'>): FieldError | null {
  // Words without their language (or a language without words) cannot be searched or read back honestly.
  if (input.originalQuote !== null && input.originalLanguage === null) {
    return { in: 'body', path: 'originalLanguage', message: 'originalQuote needs originalLanguage' }
  }
  if (input.originalLanguage !== null && input.originalQuote === null) {
    return { in: 'body', path: 'originalQuote', message: 'originalLanguage needs originalQuote' }
  }
  return null
}

/** Incidents whose contested flag may change: those a denial is linked to, before or after the write. */
export function denialIncidents (...states: Array<Pick<StatementSummary, 'kind' | 'incidentIds'> | null>) {
  return [...new Set(states.flatMap((s) => (s && s.kind === 'denial' ? s.incidentIds : [])))].sort()
}

/** The statement's own columns (not its links). */
export function statementColumns (input: CreateStatement) {
  return {
    speakerId: input.speakerId,
    speakerTitle: input.speakerTitle,
    kind: input.kind,
    summary: input.summary,
    quote: input.quote,
    language: input.language,
    channel: input.channel,
    place: input.place,
    originalQuote: input.originalQuote,
    originalLanguage: input.originalLanguage,
    statedAt: new Date(input.statedAt),
    datePrecision: input.datePrecision,
    respondsToId: input.respondsToId
  }
}

/** The rows of the statement's link tables, each list without repeats and numbered in the order given. */
export const statementLinks = (statementId: string, input: Pick<CreateStatement, 'incidentIds' | 'aboutActorIds' | 'sourceIds'>) => ({
  incidents: [...new Set(input.incidentIds)].map((incidentId, position) => ({ statementId, incidentId, position })),
  aboutActors: [...new Set(input.aboutActorIds)].map((actorId, position) => ({ statementId, actorId, position })),
  sources: [...new Set(input.sourceIds)].map((sourceId, position) => ({ statementId, sourceId, position }))
})
