import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ConfigError, loadConfig } from '../config.ts'
import { embeddedUrl, readEmbeddedCredentials, startEmbeddedPostgres } from '../db/embedded.ts'

/** A failure the user caused: printed without a stack, exit code 2. */
export class UsageError extends Error {}

// When `npm start` already runs the embedded server on this data directory, a CLI connects to it
// (postmaster.pid line 4 holds its port); otherwise it starts the server for the command's duration.
async function runningEmbedded (dataDir: string): Promise<DatabaseUrls | null> {
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
  const credentials = await readEmbeddedCredentials(dataDir)
  // Without it the server was started by an older version; starting it here gives it a password.
  if (credentials === undefined) return null
  return { appUrl: embeddedUrl(port, 'sitrep', credentials, 'app'), ownerUrl: embeddedUrl(port, 'sitrep', credentials) }
}

/** The API's role (which owns nothing) and the owner's, for migrations; the same URL when only DATABASE_URL is set. */
export interface DatabaseUrls { appUrl: string, ownerUrl: string }

export async function withCliDatabase (fn: (urls: DatabaseUrls) => Promise<void>): Promise<never> {
  let code = 0
  let stop: (() => Promise<void>) | undefined
  try {
    const config = loadConfig()
    let urls: DatabaseUrls | null = config.databaseUrl
      ? { appUrl: config.databaseUrl, ownerUrl: config.migrationDatabaseUrl ?? config.databaseUrl }
      : await runningEmbedded(config.dataDir)
    if (!urls) {
      const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir })
      urls = { appUrl: embedded.appUrl, ownerUrl: embedded.url }
      stop = embedded.stop
    }
    await fn(urls)
  } catch (err) {
    code = err instanceof UsageError || err instanceof ConfigError ? 2 : 1
    console.error(err instanceof Error ? err.message : String(err))
  } finally {
    await stop?.().catch(() => {})
  }
  // Prisma's engine and pg pools may keep timers alive; a CLI is done when its work is.
  process.exit(code)
}
