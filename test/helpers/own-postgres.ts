import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureAppLogin } from '../../src/db/app-role.ts'
import { createTempDir, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.ts'
import { migrate } from '../../src/db/migrate.ts'

/**
 * A migrated PostgreSQL cluster of one test file's own (temp data directory, own port), to stop, kill
 * and restart without touching the suite's shared server. Durable settings (not forTests): a write
 * acknowledged before a kill must survive it, as in production.
 */
export async function startOwnPostgres () {
  const dir = await createTempDir('sitrep-faults-')
  const dataDir = join(dir, 'pg')
  let server: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir })
  const port = Number(new URL(server.url).port)
  await migrate(server.url)
  await ensureAppLogin(server.url, server.appUrl)
  return {
    /** as the app's role, which owns nothing */
    url: server.appUrl,
    ownerUrl: server.url,
    /** PostgreSQL's fast shutdown: sessions are terminated, then it stops listening. */
    stop: () => server.stop(),
    /** SIGKILL to the postmaster and every backend at once, as when the machine or container dies. */
    async kill () {
      const pids = [server.pid, ...await childrenOf(server.pid)]
      for (const pid of pids) process.kill(pid, 'SIGKILL')
      for (let i = 0; i < 200 && (await Promise.all(pids.map(isRunning))).some(Boolean); i++) await sleep(10)
      await server.stop() // only forgets the dead server
    },
    /** Starts it again on the same port (after a kill, PostgreSQL replays its WAL first). */
    async start () {
      server = await startEmbeddedPostgres({ dataDir, port })
    },
    async remove () {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export type OwnPostgres = Awaited<ReturnType<typeof startOwnPostgres>>

async function stat (pid: number) {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state, ppid: Number(ppid) }
}

async function childrenOf (pid: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number)
  const stats = await Promise.all(pids.map(async (p) => [p, await stat(p)] as const))
  return stats.filter(([, s]) => s?.ppid === pid).map(([p]) => p)
}

/** A killed process stays a zombie until its parent reaps it: that counts as gone. */
async function isRunning (pid: number) {
  const s = await stat(pid)
  return s !== undefined && s.state !== 'Z'
}
