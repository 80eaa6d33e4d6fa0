import fp from 'fastify-plugin'
import compress from '@fastify/compress'

export interface CompressOptions {
  /** bodies smaller than this many bytes go out as they are: compressing them saves less than it costs */
  thresholdBytes: number
}

/**
 * br or gzip, as the client's Accept-Encoding prefers, for answers past the threshold (brotli at
 * quality 4, the plugin's default: 11 costs tens of milliseconds on a large page). Exports are
 * streams and are compressed as they stream, never buffered. Request bodies are not decompressed (a
 * compressed body would slip past the body limit, which counts the bytes as they arrive).
 */
export default fp<CompressOptions>(async (app, opts) => {
  await app.register(compress, { encodings: ['br', 'gzip'], threshold: opts.thresholdBytes, globalCompression: true, globalDecompression: false })
}, { name: 'compress' })
