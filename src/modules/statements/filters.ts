import { Prisma } from '../../generated/prisma/client.ts'
import type { StatementFilters } from './schemas.ts'

/** SQL conditions (on alias s) for every statement list filter of API.md §3; combined with AND. */
export function statementConditions (f: StatementFilters): Prisma.Sql[] {
  const c: Prisma.Sql[] = [Prisma.sql`s.deleted_at IS NULL`]
  if (f.kind) c.push(Prisma.sql`s.kind = ANY(${f.kind}::"StatementKind"[])`)
  if (f.speaker) c.push(Prisma.sql`s.speaker_id = ANY(${f.speaker}::uuid[])`)
  if (f.aboutActor) c.push(Prisma.sql`EXISTS (SELECT 1 FROM statement_about_actors sa WHERE sa.statement_id = s.id AND sa.actor_id = ANY(${f.aboutActor}::uuid[]))`)
  if (f.incident) c.push(Prisma.sql`EXISTS (SELECT 1 FROM statement_incidents si WHERE si.statement_id = s.id AND si.incident_id = ANY(${f.incident}::uuid[]))`)
  if (f.respondsTo) c.push(Prisma.sql`s.responds_to_id = ANY(${f.respondsTo}::uuid[])`)
  if (f.from) c.push(Prisma.sql`s.stated_at >= ${f.from}`)
  if (f.to) c.push(Prisma.sql`s.stated_at < ${f.to}`)
  if (f.updatedSince) c.push(Prisma.sql`s.updated_at >= ${f.updatedSince}`)
  if (f.hasQuote !== undefined) c.push(f.hasQuote ? Prisma.sql`s.quote IS NOT NULL` : Prisma.sql`s.quote IS NULL`)
  if (f.channel) c.push(Prisma.sql`s.channel = ANY(${f.channel}::"StatementChannel"[])`)
  if (f.language) c.push(Prisma.sql`s.language = ANY(${f.language}::text[])`)
  // The vector holds English lexemes of summary and quote, and originalQuote's words unstemmed (simple: any
  // language). The unstemmed query is tried only where an original exists, so other statements match as before.
  if (f.q) {
    c.push(Prisma.sql`(s.search @@ websearch_to_tsquery('english', ${f.q})
      OR (s.original_quote IS NOT NULL AND s.search @@ websearch_to_tsquery('simple', ${f.q})))`)
  }
  return c
}
