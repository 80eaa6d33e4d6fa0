import { Prisma } from '../../generated/prisma/client.ts'
import type { CasualtyFilters } from './schemas.ts'

/**
 * SQL conditions (on alias r) for the casualty ledger's filters, combined with AND. country, from and
 * to are the incident's: a report has no place or time of its own but its incident's.
 */
export function casualtyConditions (f: CasualtyFilters): Prisma.Sql[] {
  const c: Prisma.Sql[] = [Prisma.sql`r.deleted_at IS NULL`]
  if (f.incident) c.push(Prisma.sql`r.incident_id = ANY(${f.incident}::uuid[])`)
  if (f.reportedBy) c.push(Prisma.sql`r.reported_by_id = ANY(${f.reportedBy}::uuid[])`)
  if (f.affectedActor) c.push(Prisma.sql`r.affected_actor_id = ANY(${f.affectedActor}::uuid[])`)
  if (f.category) c.push(Prisma.sql`r.category = ANY(${f.category}::"CasualtyCategory"[])`)
  if (f.qualifier) c.push(Prisma.sql`r.qualifier = ANY(${f.qualifier}::"CasualtyQualifier"[])`)
  const ofIncident: Prisma.Sql[] = []
  if (f.country) ofIncident.push(Prisma.sql`i.country_codes && ${f.country}::text[]`)
  if (f.from) ofIncident.push(Prisma.sql`i.occurred_at >= ${f.from}`)
  if (f.to) ofIncident.push(Prisma.sql`i.occurred_at < ${f.to}`)
  if (ofIncident.length > 0) c.push(Prisma.sql`EXISTS (SELECT 1 FROM incidents i WHERE i.id = r.incident_id AND ${Prisma.join(ofIncident, ' AND ')})`)
  return c
}
