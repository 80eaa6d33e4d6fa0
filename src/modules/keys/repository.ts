import { uuidv7 } from 'uuidv7'
import type { Prisma } from '../../generated/prisma/client.ts'
import { cursorFor, decodeCursor, keysetAfter, keysetOrder, sortSpec, type SortFields } from '../../http/list.ts'
import type { DbOrTx } from '../../db/client.ts'
import type { KeyListQuery, Scope } from './schemas.ts'
import { newSecret, prefixOf, secretMatches } from './secrets.ts'
import { KEY_REVOKED_CHANNEL } from './channel.ts'

const sortFields: SortFields = { createdAt: { kind: 'date' }, name: { kind: 'string' } }

export interface PrefixMemory { has: (prefix: string) => boolean, add: (prefix: string) => void }

export interface ApiKeyView { id: string, name: string, scopes: Scope[], createdAt: Date, revokedAt: Date | null }

const view = (k: { id: string, name: string, scopes: string[], createdAt: Date, revokedAt: Date | null }): ApiKeyView =>
  ({ id: k.id, name: k.name, scopes: k.scopes as Scope[], createdAt: k.createdAt, revokedAt: k.revokedAt })

export function createKeyRepository (db: DbOrTx) {
  return {
    async create (name: string, wanted: Scope[]) {
      const { prefix, secret, hash } = newSecret()
      const row = await db.apiKey.create({ data: { id: uuidv7(), name, prefix, hash, scopes: [...new Set(wanted)] } })
      return { ...view(row), secret }
    },

    async list () {
      return (await db.apiKey.findMany({ orderBy: { createdAt: 'asc' } })).map(view)
    },

    /** One page of keys for the HTTP list; never secrets (only their hashes are stored). */
    async page (q: KeyListQuery) {
      const spec = sortSpec(q.sort, sortFields)
      const cursor = q.cursor ? decodeCursor(q.cursor, q.sort, spec) : null
      const where: Prisma.ApiKeyWhereInput = q.revoked === undefined ? {} : { revokedAt: q.revoked ? { not: null } : null }
      const [rows, total] = await Promise.all([
        db.apiKey.findMany({
          where: cursor ? { AND: [where, keysetAfter(spec, cursor)] } : where,
          orderBy: keysetOrder(spec) as Prisma.ApiKeyOrderByWithRelationInput[],
          take: q.limit + 1
        }),
        q.includeTotal ? db.apiKey.count({ where }) : Promise.resolve(undefined)
      ])
      return { rows: rows.map(view), total, cursorOf: (k: ApiKeyView) => cursorFor(spec, q.sort, { ...k }) }
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
      const row = await db.apiKey.findUnique({ where: { prefix } })
      if (!row) unknown?.add(prefix)
      if (!row || row.revokedAt || !secretMatches(secret, row.hash)) return null
      return view(row)
    }
  }
}
