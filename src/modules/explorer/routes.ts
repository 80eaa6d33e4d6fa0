import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Problem } from '../../http/problems.ts'

/** Where `npm install` (web/build.ts) puts the explorer's pages and assets. */
export const explorerDist = join(import.meta.dirname, '..', '..', '..', 'web', 'dist')

export interface ExplorerOptions { distDir?: string }

/**
 * The explorer (/) and its embeds (/embed/…): static pages built by Vite that read the public API
 * like any other client. Pages are revalidated on every visit; assets carry a content hash in their
 * name and are cached for a year. Their Content-Security-Policy is set in src/plugins/helmet.ts.
 */
export default async function explorerRoutes (app: FastifyInstance, opts: ExplorerOptions) {
  const dist = opts.distDir ?? explorerDist
  const r = app.withTypeProvider<ZodTypeProvider>()

  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    prefix: '/assets/',
    index: false,
    maxAge: '365d',
    immutable: true
  })

  const page = (reply: FastifyReply, name: 'index.html' | 'embed.html') => {
    if (!existsSync(join(dist, name))) {
      throw new Problem('unavailable', 'The explorer is not built: run `npm run web:build` (npm install and npm start do it)', {}, { 'retry-after': '60' })
    }
    return reply.header('cache-control', 'no-cache').sendFile(name, dist, { maxAge: 0, cacheControl: false })
  }

  r.get('/', { schema: { hide: true } }, async (_request, reply) => page(reply, 'index.html'))
  r.get('/embed/timeline', { schema: { hide: true } }, async (_request, reply) => page(reply, 'embed.html'))
  r.get('/embed/incidents/:id', {
    schema: { hide: true, params: z.object({ id: z.uuid().describe('incident id') }) }
  }, async (_request, reply) => page(reply, 'embed.html'))
}
