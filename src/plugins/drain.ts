import fp from 'fastify-plugin'

/**
 * Lets close() finish once the requests in flight are answered. Node stops accepting and closes the
 * connections idle at that moment, but a keep-alive connection busy then (a request in flight, an
 * event stream being ended) would stay open afterwards until the keep-alive timeout, holding the
 * shutdown. So answers sent while draining say `Connection: close`, and connections that turn idle
 * are closed as they do.
 */
export default fp(async (app) => {
  let draining: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    draining = setInterval(() => app.server.closeIdleConnections(), 100)
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close')
    done(null, payload)
  })
  app.addHook('onClose', async () => clearInterval(draining))
}, { name: 'drain' })
