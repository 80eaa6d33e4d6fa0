import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('loadConfig', () => {
  it('when nothing is set, then the documented defaults apply and the demo data is on (embedded)', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: '.data',
      demoData: true,
      migrateOnStart: true,
      readRequiresKey: false,
      rateLimitPerMinute: 600,
      logLevel: 'info'
    })
  })

  it('when DATABASE_URL is set, then demo data defaults to off', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://u@h/db', READ_REQUIRES_KEY: 'true', PORT: '8080' })
    expect(c).toMatchObject({ databaseUrl: 'postgresql://u@h/db', demoData: false, readRequiresKey: true, port: 8080 })
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ READ_REQUIRES_KEY: 'yes' }, 'READ_REQUIRES_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE']
  ])('when %o, then one error names %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name}=`))
  })
})
