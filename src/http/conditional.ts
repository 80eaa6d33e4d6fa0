import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { Problem } from './problems.ts'

// A record's ETag is its version, "7": it changes on every change, derived ones included. A read
// that expands related records adds a hash of the body, "7.3f9a0c2e1b", since those can change
// on their own. If-Match compares the version part, so any ETag a client holds for the record works.
export function etagOf (version: number, body: unknown, expanded: boolean) {
  if (!expanded) return `"${version}"`
  return `"${version}.${createHash('sha1').update(JSON.stringify(body)).digest('hex').slice(0, 10)}"`
}

const tagsOf = (header: string) => header.split(',').map((t) => t.trim()).filter(Boolean)

/** Sets the ETag; answers 304 when If-None-Match already holds it. */
export function tagged<T> (request: FastifyRequest, reply: FastifyReply, version: number, body: T, expanded = false): T | FastifyReply {
  const tag = etagOf(version, body, expanded)
  reply.header('etag', tag)
  const none = request.headers['if-none-match']
  if (none && (none.trim() === '*' || tagsOf(none).some((t) => t.replace(/^W\//, '') === tag))) return reply.code(304).send()
  return body
}

/** The If-Match check for a write, run by the repository under the row lock; undefined without the header. */
export function ifMatch (request: FastifyRequest): ((version: number) => void) | undefined {
  const header = request.headers['if-match']
  if (!header) return undefined
  if (header.trim() === '*') return () => {}
  // Strong comparison (RFC 9110): weak tags never match.
  const versions = tagsOf(header).map((t) => /^"(\d+)(?:\.[0-9a-f]+)?"$/.exec(t)?.[1]).filter((v): v is string => v !== undefined)
  return (current) => {
    if (!versions.includes(String(current))) {
      throw new Problem('precondition-failed', `If-Match ${header} does not match the current version (ETag "${current}"); read the record again and reapply your change`)
    }
  }
}

export const notModified = z.undefined().describe('Not Modified: the ETag in If-None-Match is current')

export const conditionalHeaders = z.object({
  'if-match': z.string().optional().describe('an ETag from a read of this record (or *); a mismatch is a 412. Optional, recommended: without it the last writer wins')
})

export const conditionalReadHeaders = z.object({
  'if-none-match': z.string().optional().describe('an ETag from an earlier read; answered 304 when it is still current')
})
