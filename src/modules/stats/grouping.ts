import { Prisma } from '../../generated/prisma/client.ts'

/** One groupBy dimension of a stats query. */
export interface Dimension {
  /** output columns of the grouped query (alias g outside it) */
  select: Prisma.Sql
  group: Prisma.Sql
  /** the column of g that identifies the bucket, for window partitions */
  key: Prisma.Sql
  /** time buckets sort chronologically; the others by size, ties broken by this */
  tieBreak: Prisma.Sql | null
  /** a join the dimension needs, if any */
  join?: Prisma.Sql
}

/**
 * Rows follow the dimensions in the order requested: time buckets ascending; other keys by the
 * count of their rows (within the preceding key) descending, then by value.
 */
export function ordering<D extends string> (dims: D[], dimensions: Record<D, Dimension>): Prisma.Sql {
  return Prisma.join(dims.map((d, n) => {
    const { key, tieBreak } = dimensions[d]
    if (!tieBreak) return Prisma.sql`${key} ASC`
    const partition = Prisma.join(dims.slice(0, n + 1).map((p) => dimensions[p].key))
    return Prisma.sql`sum(g.count) OVER (PARTITION BY ${partition}) DESC, ${tieBreak}`
  }))
}

/** A dimension of the actor a column names, with its name, grouped by both; `prefix` names the output columns. */
export function actorDimension (column: string, prefix: string, alias: string): Dimension {
  const [col, a, id, name] = [column, alias, `${prefix}_id`, `${prefix}_name`].map((s) => Prisma.raw(s))
  return {
    select: Prisma.sql`${col}::text AS ${id}, ${a}.name AS ${name}`,
    group: Prisma.sql`${col}, ${a}.name`,
    key: Prisma.sql`g.${id}`,
    tieBreak: Prisma.sql`g.${name} NULLS LAST, g.${id}`,
    join: Prisma.sql`LEFT JOIN actors ${a} ON ${a}.id = ${col}`
  }
}
