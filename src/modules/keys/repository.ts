import { uuidv7 } from 'uuidv7'
import type { DbOrTx } from '../../plugins/database.ts'
import { newSecret, prefixOf, secretMatches } from './secrets.ts'

export const scopes = ['read', 'write', 'admin'] as const
export type Scope = typeof scopes[number]

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

    async revoke (id: string) {
      const { count } = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } })
      return count === 1
    },

    /** The live key this secret belongs to, or null. */
    async authenticate (secret: string) {
      const prefix = prefixOf(secret)
      if (!prefix) return null
      const row = await db.apiKey.findUnique({ where: { prefix } })
      if (!row || row.revokedAt || !secretMatches(secret, row.hash)) return null
      return view(row)
    }
  }
}
