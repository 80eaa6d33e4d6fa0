import { existsSync } from 'node:fs'
import { readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createTempDir, readEmbeddedCredentials, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.ts'

const dirs: string[] = []
const servers: EmbeddedPostgres[] = []
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => {})
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function cluster () {
  const dir = await createTempDir('sitrep-embedded-')
  dirs.push(dir)
  const dataDir = join(dir, 'pg')
  const server = await startEmbeddedPostgres({ dataDir, database: 'postgres', forTests: true })
  servers.push(server)
  return { dataDir, server }
}

const passwordOf = (url: string) => decodeURIComponent(new URL(url).password)

async function canConnect (url: string): Promise<true | string> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    return true
  } catch (err) {
    return (err as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

describe('the embedded database', () => {
  it('gets random passwords at init, kept 0600 in its data directory and read on a restart', async () => {
    const [a, b] = [await cluster(), await cluster()]
    const passwords = [a.server.url, a.server.appUrl, b.server.url, b.server.appUrl].map(passwordOf)
    expect(new Set(passwords).size).toBe(4)
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(passwords).not.toContain('password')

    const file = join(a.dataDir, 'sitrep-credentials.json')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readEmbeddedCredentials(a.dataDir)).toEqual({ password: passwordOf(a.server.url), appPassword: passwordOf(a.server.appUrl) })

    expect(await canConnect(a.server.url)).toBe(true)
    const wrong = new URL(a.server.url)
    wrong.password = 'password'
    expect(await canConnect(wrong.href)).toMatch(/password authentication failed/)

    await a.server.stop()
    const again = await startEmbeddedPostgres({ dataDir: a.dataDir, database: 'postgres', forTests: true })
    servers.push(again)
    expect(passwordOf(again.url)).toBe(passwordOf(a.server.url))
    expect(await canConnect(again.url)).toBe(true)
  })

  it('when a cluster predates generated passwords, then its default one is replaced on start', async () => {
    const { dataDir, server } = await cluster()
    // What an older version left: the package's default password and no credentials file.
    const admin = new pg.Client({ connectionString: server.url })
    await admin.connect()
    await admin.query("ALTER ROLE postgres PASSWORD 'password'")
    await admin.end()
    await server.stop()
    await rm(join(dataDir, 'sitrep-credentials.json'))

    const upgraded = await startEmbeddedPostgres({ dataDir, database: 'postgres', forTests: true })
    servers.push(upgraded)
    expect(existsSync(join(dataDir, 'sitrep-credentials.json'))).toBe(true)
    expect(passwordOf(upgraded.url)).not.toBe('password')
    expect(await canConnect(upgraded.url)).toBe(true)
    const old = new URL(upgraded.url)
    old.password = 'password'
    expect(await canConnect(old.href)).toMatch(/password authentication failed/)
    expect(JSON.parse(await readFile(join(dataDir, 'sitrep-credentials.json'), 'utf8')).password).toBe(passwordOf(upgraded.url))
  })
})
