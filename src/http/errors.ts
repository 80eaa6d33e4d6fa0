import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { Moved, Problem, problemBody, validationProblem, type FieldError } from './problems.ts'
import { isCheckViolation, isDatabaseBusy, isDatabaseUnavailable, isForeignKeyViolation, isStatementTimeout, isUniqueViolation } from '../db/errors.ts'

const partOf: Record<string, FieldError['in']> = { querystring: 'query', params: 'path', body: 'body', headers: 'header' }

interface ZodIssueLike { instancePath: string, message: string, keyword: string, params: { keys?: string[] } }

function fieldErrors (where: FieldError['in'], issues: ZodIssueLike[]): FieldError[] {
  return issues.flatMap((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.')
    if (issue.keyword === 'unrecognized_keys' && issue.params.keys) {
      const label = where === 'query' ? 'parameter' : 'field'
      return issue.params.keys.map((key) => ({ in: where, path: path ? `${path}.${key}` : key, message: `unknown ${label}` }))
    }
    return [{ in: where, path, message: issue.message }]
  })
}

// Translates anything thrown into a Problem; never lets internals reach the client.
export function toProblem (err: FastifyError): Problem {
  if (err instanceof Problem) return err
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = partOf[err.validationContext ?? 'body'] ?? 'body'
    return validationProblem(fieldErrors(where, err.validation as unknown as ZodIssueLike[]))
  }
  if (isDatabaseUnavailable(err)) return new Problem('unavailable', 'The database is unavailable; retry shortly', {}, { 'retry-after': '5' })
  if (isDatabaseBusy(err)) return new Problem('unavailable', 'The database is too busy to take this request; retry shortly', {}, { 'retry-after': '5' })
  // The server's fault or load, not the client's syntax: 503 as for an outage (504 would claim a gateway).
  if (isStatementTimeout(err)) {
    return new Problem('unavailable', 'The query ran longer than the server allows; narrow the filters or retry later', {}, { 'retry-after': '5' })
  }
  // Backstops for races the repositories' own checks cannot see: the database has the last word.
  if (isUniqueViolation(err)) return new Problem('conflict', 'The write conflicts with an existing record; read it and retry')
  if (isForeignKeyViolation(err)) return new Problem('conflict', 'A referenced record changed during the write; retry')
  if (isCheckViolation(err)) return validationProblem([{ in: 'body', path: '', message: 'the values break a data rule (see the field descriptions)' }])
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem('payload-too-large', 'The request body is larger than this endpoint accepts')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem('unsupported-media-type', 'Send the body as application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return validationProblem([{ in: 'body', path: '', message: 'a JSON body is required' }])
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return validationProblem([{ in: 'body', path: '', message: 'the body is not valid JSON' }])
    case 'FST_ERR_BAD_URL':
      return validationProblem([{ in: 'path', path: '', message: 'the path is not a valid URL (malformed percent-encoding)' }])
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return validationProblem([{ in: 'path', path: '', message: 'a path segment is longer than any id (200 characters)' }])
  }
  if (err.statusCode === 400 && err.name === 'SyntaxError') {
    return validationProblem([{ in: 'body', path: '', message: 'the body is not valid JSON' }])
  }
  if (err.statusCode === 413) return new Problem('payload-too-large', err.message)
  if (err.statusCode === 415) return new Problem('unsupported-media-type', err.message)
  if (err.statusCode === 429) return new Problem('rate-limited', 'Rate limit exceeded')
  return new Problem('internal', 'An unexpected error occurred')
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(problemBody(problem, request.url, request.id))
}

/**
 * Fastify's router answers a malformed or over-long path itself, before any route, hook or error
 * handler, with its own JSON; this option makes those answers problem+json too.
 */
export function frameworkErrors (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(err)
  request.log.info({ problem: problem.type, detail: problem.message }, 'request rejected')
  // No route, so no serializer: the body goes out as a string.
  return reply.code(problem.status).type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(problemBody(problem, request.url, request.id)))
}

export default fp(async (app) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if ((err as unknown) instanceof Moved) {
      const moved = err as unknown as Moved
      return reply.code(308).header('location', request.url.replace(moved.fromId, moved.toId)).send()
    }
    const problem = toProblem(err)
    if (problem.status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ problem: problem.type, detail: problem.message }, 'request rejected')
    return sendProblem(request, reply, problem)
  })

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new Problem('not-found', `No route ${request.method} ${request.url.split('?')[0]}`)))
}, { name: 'errors' })
