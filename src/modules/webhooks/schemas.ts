import { z } from 'zod'
import { listQueryShape, pageOf } from '../../http/list.ts'
import { commaList } from '../../http/list.ts'
import { eventPattern, webhookActions, webhookEntities } from './events.ts'

export const deliveryStatuses = ['pending', 'succeeded', 'failed'] as const

const eventsSchema = z.array(z.string().regex(eventPattern,
  `must be entity.action: entity one of ${webhookEntities.join(', ')} or *, action one of ${webhookActions.join(', ')} or * (e.g. incident.created, statement.*)`))
  .min(1).max(50)
  .describe('the changes to deliver, as `entity.action`; either part may be `*` (`incident.created`, `statement.*`, `*.deleted`)')

const urlSchema = z.string().max(2000).describe('http(s) endpoint the deliveries are POSTed to; private, loopback and link-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true')

const filterSchema = z.string().trim().min(1).max(4000)
  .describe('incident filter in the /v1/incidents query syntax (`type=airstrike,shelling&country=AF`): incident events are delivered only for incidents it matches, casualty-report events for reports on them, statement events for statements about any of them (a statement about no incident is not delivered); actor and source events are not filtered')

export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.string()),
  filter: z.string().nullable(),
  enabled: z.boolean().describe('false: nothing is dispatched or delivered; re-enabling resumes from where the subscription stopped, so no change is skipped'),
  disabledAt: z.iso.datetime().nullable(),
  disabledReason: z.string().nullable().describe('why the subscription is disabled: by whom, or that its endpoint kept failing'),
  failingSince: z.iso.datetime().nullable().describe('the first failed attempt since the last successful one; null while deliveries succeed'),
  previousSecretExpiresAt: z.iso.datetime().nullable().describe('after a rotation: until when the previous secret still signs, next to the new one'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int()
}).meta({
  id: 'Webhook',
  description: 'A webhook subscription (Standard Webhooks); its secret is shown only when it is created or rotated',
  example: {
    id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10',
    url: 'https://hooks.newsroom.example/sitrep',
    events: ['incident.created', 'statement.*'],
    filter: 'country=AF,PK&type=airstrike',
    enabled: true,
    disabledAt: null,
    disabledReason: null,
    failingSince: null,
    previousSecretExpiresAt: null,
    createdAt: '2025-10-10T08:00:00.000Z',
    updatedAt: '2025-10-10T08:00:00.000Z',
    version: 1
  }
})
export type WebhookView = z.infer<typeof webhookSchema>

export const webhookWithSecretSchema = webhookSchema.extend({
  secret: z.string().describe('whsec_… signing secret; shown only in this response, so store it now')
}).meta({ id: 'WebhookWithSecret' })

export const createWebhookSchema = z.strictObject({
  url: urlSchema,
  events: eventsSchema,
  filter: filterSchema.optional(),
  enabled: z.boolean().default(true)
}).meta({ id: 'WebhookCreate' })

export const patchWebhookSchema = z.strictObject({
  url: urlSchema.optional(),
  events: eventsSchema.optional(),
  filter: filterSchema.nullable().optional(),
  enabled: z.boolean().optional().describe('true re-enables a disabled subscription (and clears why it was disabled)')
}).meta({ id: 'WebhookPatch' })
export type WebhookPatch = z.output<typeof patchWebhookSchema>

export const rotateSecretSchema = z.strictObject({
  gracePeriodSeconds: z.number().int().min(0).max(7 * 86_400).optional()
    .describe('how long the old secret keeps signing next to the new one (default WEBHOOK_SECRET_GRACE_SECONDS, 24 h); 0 retires it at once')
}).meta({ id: 'WebhookSecretRotation' })

export const webhookListQuery = z.strictObject({
  ...listQueryShape(['createdAt'], 'createdAt')
})
export type WebhookListQuery = z.output<typeof webhookListQuery>
export const webhookPage = pageOf(webhookSchema).meta({ id: 'WebhookPage' })

export const deliverySchema = z.object({
  id: z.uuid().describe('the webhook-id header of every attempt (stable across retries and redeliveries)'),
  webhookId: z.uuid(),
  seq: z.number().int().describe('the change-log position delivered (GET /v1/changes)'),
  eventType: z.string(),
  status: z.enum(deliveryStatuses).describe('pending (waiting or retrying), succeeded (a 2xx answer), failed (every retry failed)'),
  attempts: z.number().int(),
  lastResponseCode: z.number().int().nullable().describe('the HTTP status of the last attempt; null before the first or when there was no answer'),
  lastError: z.string().nullable().describe('why the last attempt failed without an HTTP status (timeout, refused connection)'),
  lastAttemptAt: z.iso.datetime().nullable(),
  nextAttemptAt: z.iso.datetime().nullable().describe('when a pending delivery is tried next (once the ones before it are done)'),
  deliveredAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime()
}).meta({ id: 'WebhookDelivery' })
export type DeliveryView = z.infer<typeof deliverySchema>

export const deliveryListQuery = z.strictObject({
  status: commaList(deliveryStatuses, 'delivery statuses').optional(),
  ...listQueryShape(['seq'], '-seq')
})
export type DeliveryListQuery = z.output<typeof deliveryListQuery>
export const deliveryPage = pageOf(deliverySchema).meta({ id: 'WebhookDeliveryPage' })

export const deliveryParams = z.object({
  id: z.uuid().describe('the webhook id'),
  deliveryId: z.uuid().describe('the delivery id')
})
