import fp from 'fastify-plugin'
import { createWebhookWorker, type WebhookSettings } from './worker.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** this process's webhook delivery worker (started when the app is ready, stopped on close) */
    webhookWorker: ReturnType<typeof createWebhookWorker>
  }
}

export default fp<{ settings: WebhookSettings }>(async (app, { settings }) => {
  const worker = createWebhookWorker(app.pool, settings, app.log)
  app.decorate('webhookWorker', worker)
  if (!settings.worker) return
  app.addHook('onReady', async () => { worker.start() })
  // Before the server waits for open requests and the pool closes: attempts in flight are cut off and handed back.
  app.addHook('preClose', async () => { await worker.stop() })
}, { name: 'webhook-worker', dependencies: ['database'] })
