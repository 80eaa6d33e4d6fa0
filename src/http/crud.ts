import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { bearer } from './auth.ts'
import { conditionalHeaders, conditionalReadHeaders, ifMatch, notModified, tagged } from './conditional.ts'
import { movedResponse, problems, readProblems, writeProblems, type Status } from './responses.ts'
import { sendPage } from './list.ts'
import { idParams } from './schemas.ts'
import { fieldsMediaType, projector, sendProjected } from './fields.ts'
import { snapshotOf } from './snapshot.ts'
import type { Snapshot } from '../modules/changes/snapshots.ts'

// The operations every record shares: read one, create, patch and delete. Each resource's routes.ts
// declares them with its own schemas and says how to read or write the record; the status codes,
// headers (ETag, Location) and conditional requests are the same for all and live here.

export const mergePatchRule = 'RFC 7386 merge patch: absent fields are kept, `null` clears a field.'

type Versioned = z.ZodType<{ version: number }>

/** A resource's record: the URL of one (`/v1/things/:id`), its tags and its view schema. */
export interface RecordSpec<V extends Versioned> { url: string, tags: string[], view: V }

interface Operation {
  operationId: string
  summary: string
  description?: string
  /** Problems the operation answers besides those every one of its kind does. */
  problems?: Status[]
}

type Expect = (version: number) => void
type View<V extends Versioned> = z.output<V>

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id
const keyNameOf = (request: FastifyRequest) => request.apiKey?.name ?? null
const described = ({ operationId, summary, description }: Operation) => ({ operationId, summary, ...(description ? { description } : {}) })

/** What every change to an existing record shares: its URL, a write key and If-Match. */
function changeRoute<V extends Versioned> (app: FastifyInstance, method: 'PATCH' | 'DELETE', record: RecordSpec<V>, op: Operation,
  schema: { body?: z.ZodType, response: object }, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) {
  app.route({
    method,
    url: record.url,
    config: { scope: 'write' },
    schema: { ...described(op), tags: record.tags, security: bearer, params: idParams, headers: conditionalHeaders, ...schema },
    handler
  })
}

/** One page of a list as a repository answers it: a row past `limit` means there is a next page. */
interface Rows<Row> { rows: Row[], total?: number, cursorOf: (row: Row) => string }

/**
 * GET a page of records: the next page's signed cursor in the body and the Link header. `nested` for
 * a list under another record (`/v1/incidents/:id/casualties`): `list` receives its id, and answers 404 when it is gone.
 */
export function pageRoute<Q extends z.ZodType, Row, V> (app: FastifyInstance, url: string,
  op: Operation & { tags: string[], querystring: Q, response: z.ZodType, nested?: boolean, scope?: 'admin', projection?: { page: z.ZodType } },
  list: (query: z.output<Q>, id: string, asOf?: Snapshot) => Promise<Rows<Row>>, view: (row: Row) => V) {
  app.route({
    method: 'GET',
    url,
    ...(op.scope ? { config: { scope: op.scope } } : {}),
    schema: {
      ...described(op),
      tags: op.tags,
      ...(op.scope ? { security: bearer } : {}),
      ...(op.nested ? { params: idParams } : {}),
      querystring: op.querystring,
      response: { 200: op.projection ? { description: 'A page', content: { 'application/json': { schema: op.response }, [fieldsMediaType]: { schema: op.projection.page } } } : op.response, ...problems(...readProblems, ...(op.nested ? [404 as const] : []), ...op.problems ?? []) }
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as z.output<Q> & { limit: number, fields?: string[] }
      const { rows, total, cursorOf } = await list(query, idOf(request), await snapshotOf(request))
      const page = sendPage(request, reply, rows, query.limit, cursorOf, total)
      if (!query.fields) return { ...page, data: page.data.map(view) }
      const project = projector(query.fields)
      return sendProjected(reply, { ...page, data: page.data.map((row) => project(view(row) as object)) })
    }
  })
}

/**
 * GET one record with its ETag (304 for a current If-None-Match). An `include=` expansion or a
 * fields= projection adds a body hash to the ETag; a read `asOf` a past time answers the logged
 * version and carries no ETag. With `projection`, the query's `fields` keeps only the paths named.
 */
export function getRoute<V extends Versioned, Q extends z.ZodType = z.ZodObject> (app: FastifyInstance, record: RecordSpec<V>,
  op: Operation & { querystring?: Q, moved?: boolean, projection?: { record: (description: string, full: z.ZodType) => object } },
  read: { current: (id: string, query: z.output<Q>) => Promise<View<V>>, asOf?: (id: string, at: Date) => Promise<View<V>> }) {
  app.route({
    method: 'GET',
    url: record.url,
    schema: {
      ...described(op),
      tags: record.tags,
      params: idParams,
      ...(op.querystring ? { querystring: op.querystring } : {}),
      headers: conditionalReadHeaders,
      response: { 200: op.projection?.record('The record, or with fields= its projection', record.view) ?? record.view, 304: notModified, ...(op.moved ? { 308: movedResponse } : {}), ...problems(...readProblems, 404, ...op.problems ?? []) }
    },
    // The handler sets the version ETag; the response cache remembers it per change-log position.
    config: { cache: 'record' },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as z.output<Q> & { asOf?: Date, include?: unknown, fields?: string[] }
      const project = query.fields ? projector(query.fields) : undefined
      const projected = (body: object) => sendProjected(reply, body)
      if (read.asOf && query.asOf) {
        const past = await read.asOf(idOf(request), query.asOf)
        return project ? projected(project(past)) : past
      }
      const view = await read.current(idOf(request), query)
      if (!project) return tagged(request, reply, view.version, view, Boolean(query.include))
      const body = project(view)
      const answer = tagged(request, reply, view.version, body, true)
      return answer === body ? projected(body) : answer
    }
  })
}

/** POST a new record: 201 with its Location. `params` for records created under another (`/v1/incidents/:id/casualties`). */
export function createRoute<V extends Versioned, B extends z.ZodType> (app: FastifyInstance, record: RecordSpec<V>,
  op: Operation & { url: string, body: B, params?: typeof idParams },
  create: (body: z.output<B>, keyName: string | null, params: { id: string }) => Promise<View<V> & { id: string }>) {
  app.route({
    method: 'POST',
    url: op.url,
    config: { scope: 'write' },
    schema: {
      ...described(op),
      tags: record.tags,
      security: bearer,
      ...(op.params ? { params: op.params } : {}),
      body: op.body,
      response: { 201: record.view, ...problems(...writeProblems, ...op.problems ?? []) }
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const view = await create(request.body as z.output<B>, keyNameOf(request), request.params as { id: string })
      return reply.code(201).header('location', record.url.replace(':id', view.id)).send(view)
    }
  })
}

/** PATCH a record (JSON merge patch) under If-Match: a 412 when the version moved on; answers the record with its new ETag. */
export function patchRoute<V extends Versioned, B extends z.ZodType> (app: FastifyInstance, record: RecordSpec<V>,
  op: Operation & { body: B },
  update: (id: string, patch: z.output<B>, keyName: string | null, expect: Expect | undefined) => Promise<View<V>>) {
  changeRoute(app, 'PATCH', record, op, {
    body: op.body,
    response: { 200: record.view, ...problems(...writeProblems, 404, ...op.problems ?? [], 412) }
  }, async (request, reply) => {
    const view = await update(idOf(request), request.body as z.output<B>, keyNameOf(request), ifMatch(request))
    reply.header('etag', `"${view.version}"`)
    return view
  })
}

/** DELETE a record (a soft delete) under If-Match: 204, or 412 when the version moved on. */
export function deleteRoute<V extends Versioned> (app: FastifyInstance, record: RecordSpec<V>, op: Operation,
  remove: (id: string, keyName: string | null, expect: Expect | undefined) => Promise<void>) {
  changeRoute(app, 'DELETE', record, op, {
    response: { 204: z.undefined().describe('deleted'), ...problems(...readProblems, 404, ...op.problems ?? [], 412) }
  }, async (request, reply) => {
    await remove(idOf(request), keyNameOf(request), ifMatch(request))
    return reply.code(204).send()
  })
}
