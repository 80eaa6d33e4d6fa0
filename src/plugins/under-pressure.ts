import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import { getHeapStatistics } from 'node:v8'
import { Problem } from '../http/problems.ts'

export interface PressureOptions {
  /** mean event-loop delay over a sample that counts as overload (default 1000 ms; 0 turns the check off) */
  maxEventLoopDelayMs?: number
  /** heap in use that counts as overload (default 90% of V8's heap limit; 0 turns the check off) */
  maxHeapUsedBytes?: number
  /** how often the process is sampled (default 1000 ms) */
  sampleIntervalMs?: number
}

const retryAfterSeconds = 10
// Load is shed only after this many overloaded samples in a row: one long synchronous task (the
// first spec generation, say) is not an overload and must not turn requests away.
const sustainedSamples = 2

const describe: Record<string, (value: number) => string> = {
  eventLoopDelay: (ms) => `event-loop delay ${Math.round(ms)} ms`,
  heapUsedBytes: (bytes) => `heap ${Math.round(bytes / 2 ** 20)} MiB`
}

// Liveness must not fail under load (an orchestrator would restart a busy process), and metrics
// must stay readable to show the overload.
const exempt = new Set(['/healthz', '/metrics'])

/** Sheds load with 503 problem+json and Retry-After while the process stays overloaded. */
export default fp<PressureOptions>(async (app, opts) => {
  const sampleInterval = opts.sampleIntervalMs ?? 1000
  let overloaded = 0
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelayMs ?? 1000,
    maxHeapUsedBytes: opts.maxHeapUsedBytes ?? Math.floor(getHeapStatistics().heap_size_limit * 0.9),
    sampleInterval,
    pressureHandler: async (request, _reply, type, value) => {
      if (overloaded < sustainedSamples || exempt.has(request.routeOptions.url ?? '')) return
      const what = describe[type]?.(value ?? 0) ?? type
      throw new Problem('unavailable', `The server is overloaded (${what}); retry in ${retryAfterSeconds} s`, {},
        { 'retry-after': String(retryAfterSeconds) })
    }
  })

  const watch = setInterval(() => { overloaded = app.isUnderPressure() ? overloaded + 1 : 0 }, sampleInterval).unref()
  app.addHook('onClose', async () => clearInterval(watch))
}, { name: 'under-pressure', dependencies: ['errors'] })
