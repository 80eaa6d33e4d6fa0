import { z } from 'zod'
import { listQueryShape, pageOf, queryBool } from '../../http/list.ts'
import { text } from '../../http/schemas.ts'

export const scopes = ['read', 'write', 'admin'] as const
export type Scope = typeof scopes[number]

const scopeList = z.array(z.enum(scopes)).min(1).max(scopes.length)
  .describe('read (public reads when READ_REQUIRES_KEY=true), write (includes read), admin (includes write; manages keys)')

export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string().describe('who uses the key; the change log records it as the author of its writes'),
  scopes: z.array(z.enum(scopes)),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable().describe('when the key was revoked; null while it works')
}).meta({
  id: 'ApiKey',
  description: 'An API key without its secret, which is shown only once, when the key is created',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10',
    name: 'newsroom',
    scopes: ['write'],
    createdAt: '2025-10-10T08:00:00.000Z',
    revokedAt: null
  }
})

export type ApiKeyResponse = z.infer<typeof apiKeySchema>

export const createApiKeySchema = z.strictObject({
  name: text(100).describe('who uses the key, e.g. the newsroom or integration'),
  scopes: scopeList
}).meta({ id: 'ApiKeyCreate' })

export const createdApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(z.enum(scopes)),
  createdAt: z.iso.datetime(),
  secret: z.string().describe('send as `Authorization: Bearer <secret>`; shown only in this response (the server keeps a hash), so store it now')
}).meta({
  id: 'ApiKeyCreated',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10',
    name: 'newsroom',
    scopes: ['write'],
    createdAt: '2025-10-10T08:00:00.000Z',
    secret: 'sitrep_3f9a0c1d2e4b_Q2hhbmdlTWVUaGlzSXNBbkV4YW1wbGUx'
  }
})

export const keyListQuery = z.strictObject({
  revoked: queryBool().optional().describe('true lists only revoked keys, false only working ones; both when absent'),
  ...listQueryShape(['createdAt', 'name'], 'createdAt')
})

export type KeyListQuery = z.output<typeof keyListQuery>

export const apiKeyPage = pageOf(apiKeySchema).meta({ id: 'ApiKeyPage' })
