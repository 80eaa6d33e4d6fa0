import { uuidv7 } from 'uuidv7'
import { Prisma, type ApiKey } from '../../generated/prisma/client.ts'
import { listPage, type ListTable } from '../../http/cursor.ts'
import type { Db } from '../../db/client.ts'
import { modelColumns, rawRows } from '../../db/rows.ts'
import type { KeyListQuery, Scope } from './schemas.ts'
import { newSecret, prefixOf, secretMatches } from './secrets.ts'
import { KEY_REVOKED_CHANNEL } from './channel.ts'

const keyFields = ['id', 'name', 'prefix', 'hash', 'scopes', 'createdAt', 'lastUsedAt', 'revokedAt'] as const satisfies ReadonlyArray<keyof ApiKey>
const keyRowSql = modelColumns('k', keyFields)

export interface PrefixMemory { has: (prefix: string) => boolean, add: (prefix: string) => void }

export interface ApiKeyView { id: string, name: string, scopes: Scope[], createdAt: Date, revokedAt: Date | null }

const view = (k: { id: string, name: string, scopes: string[], createdAt: Date, revokedAt: Date | null }): ApiKeyView =>
  ({ id: k.id, name: k.name, scopes: k.scopes as Scope[], createdAt: k.createdAt, revokedAt: k.revokedAt })

const keyList: ListTable<ApiKey> = {
  select: keyRowSql,
  from: Prisma.sql`api_keys k`,
  id: Prisma.sql`k.id`,
  sorts: { createdAt: { column: Prisma.sql`k.created_at`, kind: 'date' }, name: { column: Prisma.sql`k.name`, kind: 'string' } }
}

export function createKeyRepository (db: Db) {
  return {
    async create (name: string, wanted: Scope[]) {
      const { prefix, secret, hash } = newSecret()
      const row = await db.apiKey.create({ data: { id: uuidv7(), name, prefix, hash, scopes: [...new Set(wanted)] } })
      return { ...view(row), secret }
    },

    async list () {
      return (await rawRows<ApiKey>(db, Prisma.sql`SELECT ${keyRowSql} FROM api_keys k ORDER BY k.created_at, k.id`)).map(view)
    },

    /** One page of keys for the HTTP list; never secrets (only their hashes are stored). */
    async page (q: KeyListQuery) {
      const revoked = q.revoked === undefined ? [] : [q.revoked ? Prisma.sql`k.revoked_at IS NOT NULL` : Prisma.sql`k.revoked_at IS NULL`]
      const { rows, total, cursorOf } = await listPage(db, keyList, q, revoked)
      return { rows: rows.map(view), total, cursorOf: (k: ApiKeyView) => cursorOf(k as ApiKey) }
    },

    async revoke (id: string) {
      const { count } = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } })
      // Every API process listening closes the key's open event streams at once (they also check every few seconds).
      if (count === 1) await db.$executeRaw`SELECT pg_notify(${KEY_REVOKED_CHANNEL}, ${id})`
      return count === 1
    },

    /**
     * The live key this secret belongs to, or null. Prefixes no key has are remembered in `unknown`
     * (when given), so a guesser repeating one costs no database round trip.
     */
    async authenticate (secret: string, unknown?: PrefixMemory) {
      const prefix = prefixOf(secret)
      if (!prefix || unknown?.has(prefix)) return null
      const [row] = await rawRows<ApiKey>(db, Prisma.sql`SELECT ${keyRowSql} FROM api_keys k WHERE k.prefix = ${prefix}`)
      if (!row) unknown?.add(prefix)
      if (!row || row.revokedAt || !secretMatches(secret, row.hash)) return null
      return view(row)
    }
  }
}
