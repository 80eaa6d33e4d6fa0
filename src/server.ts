import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { describeServingRole, ensureAppLogin, privilegeWarning } from './db/app-role.ts'
import { startEmbeddedPostgres } from './db/embedded.ts'
import { migrate } from './db/migrate.ts'
import { loadDemoData } from './demo.ts'
import { buildExplorer, explorerMissing } from '../web/build.ts'

async function main (config: Config) {
  // `npm install` builds the explorer; an install that skipped its scripts builds it here, once.
  // Only when absent: several servers starting at once (tests, a rolling restart) must not rebuild
  // the directory the others serve from. After editing web/, `npm run web:build`.
  if (explorerMissing()) {
    await buildExplorer().catch((err: Error) => console.error(`the explorer could not be built (${err.message}); the API serves without it`))
  }
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres({ dataDir: config.dataDir })
  // The API serves as a role that owns nothing; migrations run as the owner (the same role when
  // only DATABASE_URL is given, which the warning below reports).
  const databaseUrl = config.databaseUrl ?? embedded!.appUrl
  const ownerUrl = config.migrationDatabaseUrl ?? config.databaseUrl ?? embedded!.url
  const notes: Array<{ msg: string, level: 'info' | 'warn' }> = []
  if (config.migrateOnStart) {
    await migrate(ownerUrl).catch((err: Error) => {
      if (embedded || config.migrationDatabaseUrl || !/permission denied|must be owner/.test(err.message)) throw err
      throw new Error(`${err.message}\nMigrations run as DATABASE_URL's role, which may not change the schema: set MIGRATION_DATABASE_URL to the owner's URL`, { cause: err })
    })
  }
  if (embedded || (config.migrateOnStart && config.migrationDatabaseUrl)) await ensureAppLogin(ownerUrl, databaseUrl, (msg, level) => notes.push({ msg, level }))

  const app = await buildApp({
    databaseUrl,
    readUrls: config.readUrls,
    replicas: config.replicas,
    readRequiresKey: config.readRequiresKey,
    logLevel: config.logLevel,
    rateLimitPerMinute: config.rateLimitPerMinute,
    redisUrl: config.redisUrl,
    corsOrigins: config.corsOrigins,
    limits: config.limits,
    cursorSecret: config.cursorSecret,
    trustProxy: config.trustProxy,
    authFailuresPerMinute: config.authFailuresPerMinute,
    streams: config.streams,
    exports: config.exports,
    importsTotal: config.importsTotal,
    stats: config.stats,
    httpCache: config.httpCache,
    compressThresholdBytes: config.compressThresholdBytes,
    webhooks: config.webhooks
  })
  for (const { msg, level } of notes) app.log[level](msg)
  const warning = privilegeWarning(await describeServingRole((sql) => app.pool.query(sql)))
  if (warning) app.log.warn(warning)
  if (config.demoData && await loadDemoData(app.pool)) app.log.info('loaded the demo story into the empty database')

  // On SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the pool, stop the embedded server.
  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    await embedded?.stop()
  })

  await app.listen({ port: config.port, host: config.host })
  if (embedded) app.log.info({ dataDir: config.dataDir }, 'using embedded PostgreSQL')
}

let config: Config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(err.message)
  process.exit(1)
}
await main(config)
