import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ConfigError, loadConfig } from '../config.ts'
import { startEmbeddedPostgres } from '../db/embedded.ts'

/** A failure the user caused: printed without a stack, exit code 2. */
export class UsageError extends Error {}

// When `npm start` already runs the embedded server on this data directory, a CLI connects to it
// (postmaster.pid line 4 holds its port); otherwise it starts the server for the command's duration.
async function runningEmbeddedUrl (dataDir: string): Promise<string | null> {
  let lines: string[]
  try {
    lines = (await readFile(join(resolve(dataDir), 'postmaster.pid'), 'utf8')).split('\n')
  } catch {
    return null
  }
  const pid = Number(lines[0])
  const port = Number(lines[3])
  try {
    process.kill(pid, 0)
  } catch {
    return null
  }
  return `postgresql://postgres:password@127.0.0.1:${port}/sitrep`
}

export async function withCliDatabase (fn: (databaseUrl: string) => Promise<void>): Promise<never> {
  let code = 0
  let stop: (() => Promise<void>) | undefined
  try {
    const config = loadConfig()
    let url = config.databaseUrl ?? await runningEmbeddedUrl(config.dataDir)
    if (!url) {
      const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir })
      url = embedded.url
      stop = embedded.stop
    }
    await fn(url)
  } catch (err) {
    code = err instanceof UsageError || err instanceof ConfigError ? 2 : 1
    console.error(err instanceof Error ? err.message : String(err))
  } finally {
    await stop?.().catch(() => {})
  }
  // Prisma's engine and pg pools may keep timers alive; a CLI is done when its work is.
  process.exit(code)
}
