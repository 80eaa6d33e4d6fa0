import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bearer } from '../../http/auth.ts'
import { conditionalHeaders, ifMatch } from '../../http/conditional.ts'
import { mergePatchRule, pageRoute } from '../../http/crud.ts'
import { notFound, validationProblem, type FieldError } from '../../http/problems.ts'
import { problems, readProblems, writeProblems } from '../../http/responses.ts'
import { idParams } from '../../http/schemas.ts'
import { parseIncidentFilter } from './events.ts'
import { createWebhookRepository, toDelivery, toWebhook } from './repository.ts'
import {
  createWebhookSchema, deliveryListQuery, deliveryPage, deliveryParams, deliverySchema, patchWebhookSchema, rotateSecretSchema,
  webhookListQuery, webhookPage, webhookSchema, webhookWithSecretSchema
} from './schemas.ts'
import { targetProblem } from './target.ts'
import type { WebhookSettings } from './worker.ts'

const tags = ['Webhooks']

export default async function webhookRoutes (app: FastifyInstance, opts: { settings: WebhookSettings }) {
  const { settings } = opts
  const r = app.withTypeProvider<ZodTypeProvider>()
  const webhooks = createWebhookRepository(app.pool)

  // Subscriptions carry secrets and endpoints: no shared cache may keep these answers.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  /** 400 naming every bad field of the URL and filter; the zod schema already checked their shapes. */
  async function check (body: { url?: string, filter?: string | null }) {
    const errors: FieldError[] = []
    if (body.url !== undefined) {
      const problem = await targetProblem(body.url, settings.allowPrivate)
      if (problem) errors.push({ in: 'body', path: 'url', message: problem })
    }
    if (typeof body.filter === 'string') {
      const parsed = parseIncidentFilter(body.filter)
      if ('errors' in parsed) errors.push(...parsed.errors)
    }
    if (errors.length > 0) throw validationProblem(errors)
  }

  const missing = (request: FastifyRequest) => notFound('Webhook', (request.params as { id: string }).id)

  pageRoute(app, '/v1/webhooks', {
    operationId: 'listWebhooks',
    summary: 'List webhook subscriptions',
    description: 'Every subscription, without secrets. Needs scope `admin`.',
    tags,
    scope: 'admin',
    querystring: webhookListQuery,
    response: webhookPage
  }, (query) => webhooks.page(query), toWebhook)

  r.post('/v1/webhooks', {
    // Replaying the answer would mean storing the secret.
    config: { scope: 'admin', idempotency: false },
    schema: {
      operationId: 'createWebhook',
      summary: 'Subscribe a URL to changes',
      description: 'Changes committed from now on that match `events` (and, for incidents, `filter`) are POSTed to `url`, signed as the ' +
        'Standard Webhooks specification says. Answers the signing `secret`, shown this once. Needs scope `admin`.',
      tags,
      security: bearer,
      body: createWebhookSchema,
      response: { 201: webhookWithSecretSchema, ...problems(...writeProblems) }
    }
  }, async (request, reply) => {
    await check(request.body)
    const { url, events, filter, enabled } = request.body
    const created = await webhooks.create({ url, events, filter: filter ?? null, enabled })
    return reply.code(201).header('location', `/v1/webhooks/${created.id}`).send(created)
  })

  r.get('/v1/webhooks/:id', {
    config: { scope: 'admin' },
    schema: {
      operationId: 'getWebhook',
      summary: 'Read a webhook subscription',
      description: 'Its state, and whether (and why) it is disabled; never its secret. Needs scope `admin`.',
      tags,
      security: bearer,
      params: idParams,
      response: { 200: webhookSchema, ...problems(...readProblems, 404) }
    }
  }, async (request, reply) => {
    const webhook = await webhooks.get(request.params.id)
    if (!webhook) throw missing(request)
    reply.header('etag', `"${webhook.version}"`)
    return webhook
  })

  r.patch('/v1/webhooks/:id', {
    config: { scope: 'admin' },
    schema: {
      operationId: 'updateWebhook',
      summary: 'Change a webhook subscription (JSON merge patch)',
      description: `${mergePatchRule} \`enabled: true\` re-enables a disabled subscription: it resumes from the change it stopped at. Needs scope \`admin\`.`,
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      body: patchWebhookSchema,
      response: { 200: webhookSchema, ...problems(...writeProblems, 404, 412) }
    }
  }, async (request, reply) => {
    await check(request.body)
    const webhook = await webhooks.update(request.params.id, { patch: request.body, keyName: request.apiKey?.name ?? null, expect: ifMatch(request) })
    if (!webhook) throw missing(request)
    reply.header('etag', `"${webhook.version}"`)
    return webhook
  })

  r.delete('/v1/webhooks/:id', {
    config: { scope: 'admin' },
    schema: {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook subscription',
      description: 'Nothing more is delivered; its deliveries are deleted with it. Needs scope `admin`.',
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      response: { 204: z.undefined().describe('deleted'), ...problems(...readProblems, 404, 412) }
    }
  }, async (request, reply) => {
    if (!(await webhooks.remove(request.params.id, ifMatch(request)))) throw missing(request)
    return reply.code(204).send()
  })

  r.post('/v1/webhooks/:id/rotate-secret', {
    config: { scope: 'admin', idempotency: false },
    schema: {
      operationId: 'rotateWebhookSecret',
      summary: 'Rotate a webhook\'s signing secret',
      description: 'Answers the new `secret`, shown this once. During the grace period the old secret signs too: `webhook-signature` ' +
        'then carries two space-separated signatures, the new one first, so receivers can switch over without losing a delivery. Needs scope `admin`.',
      tags,
      security: bearer,
      params: idParams,
      body: rotateSecretSchema.optional(),
      response: { 200: webhookWithSecretSchema, ...problems(...writeProblems, 404) }
    }
  }, async (request) => {
    const rotated = await webhooks.rotateSecret(request.params.id, request.body?.gracePeriodSeconds ?? settings.secretGraceSeconds)
    if (!rotated) throw missing(request)
    return rotated
  })

  pageRoute(app, '/v1/webhooks/:id/deliveries', {
    operationId: 'listWebhookDeliveries',
    summary: 'A webhook\'s deliveries',
    description: 'One per change delivered to the subscription, newest first: status, attempts, the last response code. Needs scope `admin`.',
    tags,
    scope: 'admin',
    nested: true,
    querystring: deliveryListQuery,
    response: deliveryPage
  }, async (query, id) => {
    if (!(await webhooks.get(id))) throw notFound('Webhook', id)
    return webhooks.deliveries(id, query)
  }, toDelivery)

  r.post('/v1/webhooks/:id/deliveries/:deliveryId/redeliver', {
    config: { scope: 'admin' },
    schema: {
      operationId: 'redeliverWebhookDelivery',
      summary: 'Deliver again',
      description: 'Schedules the delivery again now, with a fresh retry schedule and the same `webhook-id` (receivers deduplicate by it). ' +
        'It goes before the subscription\'s later pending deliveries. Needs scope `admin`.',
      tags,
      security: bearer,
      params: deliveryParams,
      response: { 202: deliverySchema, ...problems(...writeProblems, 404) }
    }
  }, async (request, reply) => {
    const delivery = await webhooks.redeliver(request.params.id, request.params.deliveryId)
    if (!delivery) throw notFound('Webhook delivery', `${request.params.deliveryId} of webhook ${request.params.id}`)
    return reply.code(202).send(delivery)
  })
}
