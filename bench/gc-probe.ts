// Preloaded into the soak's server (run with --expose-gc): on SIGWINCH, a full garbage collection, then
// the live heap on stderr. RSS alone cannot tell a leak from V8 sizing its heap for the load; the heap
// left after a full collection can. (Not SIGUSR2: close-with-grace shuts the server down on it.)
process.on('SIGWINCH', () => {
  (globalThis as { gc?: () => void }).gc?.()
  const { heapUsed, rss } = process.memoryUsage()
  process.stderr.write(`gc-probe ${JSON.stringify({ heapUsedMb: heapUsed / 2 ** 20, rssMb: rss / 2 ** 20 })}\n`)
})
