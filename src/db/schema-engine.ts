import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum, type SqlDriverAdapter } from '@prisma/driver-adapter-utils'
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg'
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg'
import pg from 'pg'

export type { SchemaEngine }

/**
 * Runs `run` with Prisma's WASM schema engine connected to `url` (and to `shadowUrl`, an
 * existing empty database, for commands that replay the migration history).
 */
export async function withSchemaEngine<T> (url: string, opts: { shadowUrl?: string, log?: (m: string) => void }, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const main = enginePool(url)
  const shadow = opts.shadowUrl === undefined ? undefined : enginePool(opts.shadowUrl)
  try {
    const factory = bindMigrationAwareSqlAdapterFactory({
      provider: 'postgres',
      adapterName: '@prisma/adapter-pg',
      connect: () => connectAdapter(main),
      // PrismaPg's own connectToShadowDb derives the shadow pool from the main pool's options,
      // where a connectionString overrides `database`: it would replay into the main database.
      connectToShadowDb: () => shadow === undefined ? Promise.reject(new Error('no shadow database configured')) : connectAdapter(shadow)
    })
    const Engine = await loadEngineClass()
    const engine = await Engine.new({ datamodels: undefined }, (m: string) => opts.log?.(m), factory)
    try {
      return await run(engine)
    } catch (err) {
      throw readableError(err)
    } finally {
      engine.free()
    }
  } finally {
    await Promise.all([main.end(), shadow?.end()])
  }
}

/** Engine errors end in a Rust span trace; keep the message and the migration it names. */
function readableError (err: unknown): unknown {
  if (!(err instanceof Error) || !/\n\s+0: /.test(err.message)) return err
  const [head, trace] = err.message.split(/\n\s+0: /, 2)
  const migration = /migration_name="([^"]+)"/.exec(trace)?.[1]
  const message = head.trim().split('\n').join(': ') + (migration === undefined ? '' : ` (in migration ${migration})`)
  return new Error(message, { cause: err })
}

function enginePool (connectionString: string): pg.Pool {
  // One connection: the engine's session-level advisory lock (which serializes concurrent
  // deploys) must be held by the session that applies the migrations.
  // allowExitOnIdle: should a caller's failure skip end(), idle connections still let the process exit.
  const pool = new pg.Pool({ connectionString, max: 1, allowExitOnIdle: true, Client: CharColumnClient })
  // An idle connection the server terminates (e.g. dropping a shadow database WITH (FORCE)) emits
  // an error on the pool, which would otherwise crash the process; the next query reconnects.
  pool.on('error', () => {})
  // A client the pool is ending has left the pool, so the pool's handler no longer hears it: the
  // server's termination of that last connection (a database dropped WITH (FORCE) right after)
  // surfaced as an uncaught error. Queries still reject on their own errors.
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

async function connectAdapter (pool: pg.Pool): Promise<SqlDriverAdapter> {
  const adapter = await new PrismaPg(pool).connect()
  // PrismaPg splits scripts on ";" and runs the pieces on any pooled connection, which breaks
  // dollar-quoted function bodies and makes a failed migration half-applied. One simple-protocol
  // query runs the whole migration as a single implicit transaction, as `prisma migrate deploy` does.
  // Errors go through PrismaPg's own conversion, so the engine reports the PostgreSQL message.
  const onError = (adapter as unknown as { onError: (err: unknown) => never }).onError.bind(adapter)
  adapter.executeScript = async (script) => { await pool.query(script).catch(onError) }
  const queryRaw = adapter.queryRaw.bind(adapter)
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query)
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character
    return result
  }
  return adapter
}

/**
 * The engine's introspection selects catalog columns of type "char" (OID 18) and reads them as
 * characters, but PrismaPg rejects that type as unsupported. The client reports them as text
 * so PrismaPg accepts the rows, and remembers where they were so queryRaw can restore the type.
 */
const charColumns = new WeakMap<unknown[], number[]>()

class CharColumnClient extends pg.Client {
  override query (...args: any[]): any {
    const query = super.query as (...a: any[]) => any
    const last = args.length - 1
    if (typeof args[last] === 'function') {
      const callback = args[last]
      args[last] = (err: Error | null, res: unknown) => callback(err, err ? res : markCharColumns(res))
      return query.apply(this, args)
    }
    const out = query.apply(this, args)
    return typeof out?.then === 'function' ? out.then(markCharColumns) : out
  }
}

function markCharColumns<T> (res: T): T {
  for (const result of (Array.isArray(res) ? res : [res]) as Array<pg.QueryResult | undefined>) {
    const positions: number[] = []
    result?.fields?.forEach((field, i) => {
      if (field.dataTypeID === 18) {
        field.dataTypeID = 25
        positions.push(i)
      }
    })
    if (positions.length > 0 && result !== undefined) charColumns.set(result.rows, positions)
  }
  return res
}

let engineClass: Promise<typeof SchemaEngine> | undefined

/**
 * The package entry imports its .wasm as an ES module, which Node 20 cannot do, so the
 * module is compiled here and wired to the JS glue by hand (once per process).
 */
function loadEngineClass (): Promise<typeof SchemaEngine> {
  engineClass ??= (async () => {
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg')
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'))
    const imports: Record<string, unknown> = { ...glue }
    for (const name of Object.keys(imports).filter((n) => n.startsWith('__wbg_setTimeout_'))) {
      // The engine races its advisory lock against a 10 s timer and leaves the timer armed; unref'd,
      // it no longer keeps a finished CLI alive (a pending lock query still does, on its socket).
      const setTimer = imports[name] as (cb: () => void, ms: number) => NodeJS.Timeout
      imports[name] = (cb: () => void, ms: number) => setTimer(cb, ms).unref()
    }
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': imports as WebAssembly.ModuleImports })
    // A Rust panic surfaces as an uncaught "RuntimeError: unreachable"; the glue hands its
    // message (file and line in prisma-engines) to this registry first, so print it.
    Object.assign(globalThis, { PRISMA_WASM_PANIC_REGISTRY: { set_message: (m: string) => { process.stderr.write(`schema engine panic: ${m}\n`) } } })
    glue.__wbg_set_wasm(instance.exports)
    ;(instance.exports.__wbindgen_start as () => void)()
    return glue.SchemaEngine
  })()
  return engineClass
}
