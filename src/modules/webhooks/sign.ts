import { createHmac, randomBytes } from 'node:crypto'

// Standard Webhooks (https://www.standardwebhooks.com): a secret is `whsec_` and the base64 of the
// key (24 to 64 bytes); a signature is `v1,` and the base64 HMAC-SHA256, under that key, of
// `<webhook-id>.<webhook-timestamp>.<body>`.

export function newWebhookSecret () {
  return `whsec_${randomBytes(32).toString('base64')}`
}

export function signature (secret: string, id: string, timestamp: number, body: string) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** The webhook-signature header: one signature per secret that signs now, space-separated (the new one first while a rotated one is in its grace period). */
export function signatureHeader (secrets: readonly string[], id: string, timestamp: number, body: string) {
  return secrets.map((s) => signature(s, id, timestamp, body)).join(' ')
}
