import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('loadConfig', () => {
  it('when nothing is set, then the documented defaults apply and the demo data is on (embedded)', () => {
    // The limits on expensive paths have their own test below.
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: '.data',
      demoData: true,
      migrateOnStart: true,
      readRequiresKey: false,
      rateLimitPerMinute: 600,
      redisUrl: undefined,
      corsOrigins: [],
      logLevel: 'info',
      limits: {
        bodyBytes: 1_048_576,
        importBodyBytes: 67_108_864,
        urlLength: 8192,
        requestTimeoutMs: 30_000,
        connectionTimeoutMs: 30_000,
        keepAliveTimeoutMs: 72_000,
        statementTimeoutMs: 15_000
      }
    })
  })

  it('when DATABASE_READ_URLS is set, then it is a list of replica URLs; without it there are none', () => {
    expect(loadConfig({})).toMatchObject({ readUrls: [], replicas: { maxLagSeconds: 30, checkIntervalMs: 1000 } })
    expect(loadConfig({ DATABASE_READ_URLS: 'postgresql://a@r1:5432/sitrep, postgres://a@r2/sitrep,', REPLICA_MAX_LAG_SECONDS: '5', REPLICA_CHECK_INTERVAL_MS: '250' }))
      .toMatchObject({ readUrls: ['postgresql://a@r1:5432/sitrep', 'postgres://a@r2/sitrep'], replicas: { maxLagSeconds: 5, checkIntervalMs: 250 } })
    expect(() => loadConfig({ DATABASE_READ_URLS: 'postgresql://a@r1/sitrep,mysql://r2' })).toThrow(/DATABASE_READ_URLS.*postgres:\/\//)
    expect(() => loadConfig({ REPLICA_MAX_LAG_SECONDS: '-1' })).toThrow(ConfigError)
  })

  it('when the limits are set, then each one is read from its variable', () => {
    const c = loadConfig({
      BODY_LIMIT_BYTES: '2048',
      IMPORT_BODY_LIMIT_BYTES: '4096',
      MAX_URL_LENGTH: '1024',
      REQUEST_TIMEOUT_MS: '5000',
      CONNECTION_TIMEOUT_MS: '6000',
      KEEP_ALIVE_TIMEOUT_MS: '7000',
      STATEMENT_TIMEOUT_MS: '800'
    })
    expect(c.limits).toEqual({
      bodyBytes: 2048,
      importBodyBytes: 4096,
      urlLength: 1024,
      requestTimeoutMs: 5000,
      connectionTimeoutMs: 6000,
      keepAliveTimeoutMs: 7000,
      statementTimeoutMs: 800
    })
  })

  it('when DATABASE_URL is set, then demo data defaults to off', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://u@h/db', READ_REQUIRES_KEY: 'true', PORT: '8080' })
    expect(c).toMatchObject({ databaseUrl: 'postgresql://u@h/db', demoData: false, readRequiresKey: true, port: 8080 })
  })

  it('when CORS_ORIGINS and REDIS_URL are set, then the origins are split and the URL kept', () => {
    const c = loadConfig({ CORS_ORIGINS: 'https://news.example, http://localhost:5173', REDIS_URL: 'redis://127.0.0.1:6379/2' })
    expect(c).toMatchObject({ corsOrigins: ['https://news.example', 'http://localhost:5173'], redisUrl: 'redis://127.0.0.1:6379/2' })
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*'])
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ READ_REQUIRES_KEY: 'yes' }, 'READ_REQUIRES_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ REDIS_URL: 'http://cache:6379' }, 'REDIS_URL'],
    [{ CORS_ORIGINS: 'news.example' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://news.example/app' }, 'CORS_ORIGINS'],
    [{ BODY_LIMIT_BYTES: '1mb' }, 'BODY_LIMIT_BYTES'],
    [{ MAX_URL_LENGTH: '100000' }, 'MAX_URL_LENGTH'],
    [{ STATEMENT_TIMEOUT_MS: '0' }, 'STATEMENT_TIMEOUT_MS'],
    [{ CURSOR_SECRET: 'short' }, 'CURSOR_SECRET'],
    [{ TRUST_PROXY: '*' }, 'TRUST_PROXY'],
    [{ STREAMS_PER_ADDRESS: '0' }, 'STREAMS_PER_ADDRESS'],
    [{ EXPORTS_TOTAL: 'many' }, 'EXPORTS_TOTAL'],
    [{ STATS_MAX_ROWS: '0' }, 'STATS_MAX_ROWS']
  ])('when %o, then one error names %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name}=`))
  })

  it('when the limits on expensive paths are set, then each is read from its variable; unset, the defaults hold', () => {
    expect(loadConfig({})).toMatchObject({
      cursorSecret: undefined,
      trustProxy: [],
      authFailuresPerMinute: 30,
      streams: { perAddress: 10, perKey: 20, total: 1000, maxLifetimeMs: 3_600_000 },
      exports: { perClient: 8, total: 32 },
      importsTotal: 2,
      stats: { maxRows: 10_000, cacheBytes: 67_108_864 }
    })
    const c = loadConfig({
      CURSOR_SECRET: 's'.repeat(32),
      TRUST_PROXY: '10.0.0.0/8',
      AUTH_FAILURES_PER_MINUTE: '5',
      STREAMS_PER_ADDRESS: '1',
      STREAMS_PER_KEY: '2',
      STREAMS_TOTAL: '3',
      STREAM_MAX_LIFETIME_MS: '60000',
      EXPORTS_PER_CLIENT: '1',
      EXPORTS_TOTAL: '2',
      EXPORT_TIMEOUT_MS: '60000',
      EXPORT_ENGINE: 'js',
      IMPORTS_TOTAL: '3',
      STATS_MAX_ROWS: '100',
      STATS_CACHE_BYTES: '1000'
    })
    expect(c).toMatchObject({
      cursorSecret: 's'.repeat(32),
      trustProxy: ['10.0.0.0/8'],
      authFailuresPerMinute: 5,
      streams: { perAddress: 1, perKey: 2, total: 3, maxLifetimeMs: 60_000 },
      exports: { perClient: 1, total: 2, timeoutMs: 60_000, engine: 'js' },
      importsTotal: 3,
      stats: { maxRows: 100, cacheBytes: 1000 }
    })
  })
})
