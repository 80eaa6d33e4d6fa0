import { AsyncLocalStorage } from 'node:async_hooks'
import { Prisma } from '../generated/prisma/client.ts'
import { Problem } from '../http/problems.ts'

/** The Idempotency-Key a request holds (src/http/idempotency.ts), seen by the write it makes. */
export interface Claim {
  apiKeyId: string
  key: string
  /** Changes when another request takes the key over. */
  claimId: string
  /** The request's write committed: later transactions of the same request leave the key alone. */
  applied: boolean
}

/** What a retry is answered with when the stored answer is lost: set in the write's own transaction. */
export interface Applied {
  entityId?: string | null
  /** The whole answer, when the write knows it before it commits (the bulk import). */
  answer?: { status: number, headers: Record<string, string>, body: string }
}

const claims = new AsyncLocalStorage<Claim>()

/** Runs the rest of the request with its claim visible to writeTransaction and the import. */
export const withClaim = (claim: Claim, next: () => void) => claims.run(claim, next)

/** The claim a write of this request must apply, if any. */
export function pendingClaim (): Claim | undefined {
  const claim = claims.getStore()
  return claim && !claim.applied ? claim : undefined
}

// The claim row is locked by the write's first statement, before any record row (docs/architecture.md,
// lock order), and stays locked until the write ends: a takeover skips a locked row, so a key can
// never change hands while its write is running, and the row says "applied" from the write's commit on.
export const lockClaimSql = (c: Claim) => Prisma.sql`
  SELECT claim_id::text AS "claimId", applied_at IS NOT NULL AS applied FROM idempotency_records
  WHERE api_key_id = ${c.apiKeyId}::uuid AND key = ${c.key} FOR UPDATE`

/** Refuses the write unless this request still holds the key and nothing was applied under it. */
export function assertClaimHeld (c: Claim, rows: Array<{ claimId: string | null, applied: boolean }>) {
  const [row] = rows
  if (row && row.claimId === c.claimId && !row.applied) return
  throw new Problem('conflict', 'Another request with this Idempotency-Key took it over or was applied; this one wrote nothing. Retry to get its answer.', {}, { 'retry-after': '1' })
}

export function markAppliedSql (c: Claim, applied: Applied): Prisma.Sql {
  const { answer } = applied
  return Prisma.sql`
    UPDATE idempotency_records SET applied_at = now(), entity_id = ${applied.entityId ?? null}::uuid,
      status = ${answer?.status ?? null}::int, headers = ${answer ? JSON.stringify(answer.headers) : null}::jsonb,
      body = ${answer ? JSON.stringify(answer.body) : null}::jsonb
    WHERE api_key_id = ${c.apiKeyId}::uuid AND key = ${c.key} AND claim_id = ${c.claimId}::uuid`
}

/** The id of the record a write returned, if it returned one. */
export function entityIdOf (result: unknown): string | null {
  const id = (result as { id?: unknown } | null)?.id
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : null
}
