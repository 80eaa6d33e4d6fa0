import type pg from 'pg'

/**
 * The change log's position: the highest committed seq, 0 for an empty log. A transaction that
 * appends to the log holds its lock until commit (src/modules/changes/repository.ts), so seq order is
 * commit order and every answer that depends on the data can be named by this one number: the HTTP
 * cache's ETags, the stats cache, a replica's replay (read there, it is what the replica has
 * replayed), the webhook queue. One index-only probe of changes' primary key.
 */
export const POSITION_SQL = 'SELECT coalesce(max(seq), 0)::text AS seq FROM changes'

/** The position, read on a pool or one client (as text: an int8 beyond 2^53 stays exact). */
export async function readPosition (on: pg.Pool | pg.ClientBase): Promise<string> {
  const { rows: [row] } = await on.query<{ seq: string }>(POSITION_SQL)
  return row.seq
}
