import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { promisify } from 'node:util'
import getPort from 'get-port'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../helpers/database.ts'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
let database: { url: string, drop: () => Promise<void> }

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => database.drop())

const env = (extra: Record<string, string> = {}) => ({ ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn', ...extra })
const tsx = (script: string, ...args: string[]) => [['--import', 'tsx', script, ...args], { cwd: root, env: env() }] as const

describe('npm run keys', () => {
  it('creates a key printing JSON alone, lists it without the secret, and revokes it', async () => {
    const created = await run(process.execPath, ...tsx('src/cli/keys.ts', 'create', '--name', 'cli-test', '--scopes', 'read,write', '--json'))
    const key = JSON.parse(created.stdout)
    expect(Object.keys(key).sort()).toEqual(['id', 'name', 'scopes', 'secret'])
    expect(key).toMatchObject({ name: 'cli-test', scopes: ['read', 'write'] })
    expect(key.secret).toMatch(/^sitrep_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/)

    const listed = await run(process.execPath, ...tsx('src/cli/keys.ts', 'list'))
    expect(listed.stdout).toContain(`${key.id}\tcli-test\tread,write\t`)
    expect(listed.stdout).not.toContain(key.secret)

    const revoked = await run(process.execPath, ...tsx('src/cli/keys.ts', 'revoke', key.id))
    expect(revoked.stdout.trim()).toBe(`revoked ${key.id}`)
    expect((await run(process.execPath, ...tsx('src/cli/keys.ts', 'list'))).stdout).toContain('\trevoked ')
  })

  it('when the scopes are unknown, then it exits 2 with a message', async () => {
    const failed = await run(process.execPath, ...tsx('src/cli/keys.ts', 'create', '--name', 'x', '--scopes', 'root'))
      .catch((err) => err)
    expect(failed.code).toBe(2)
    expect(failed.stderr).toContain('unknown: root')
  })
})

describe('npm start', () => {
  it('when a variable is invalid, then it exits 1 with one message naming it', async () => {
    const failed = await run(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env: env({ PORT: 'eighty' }) })
      .catch((err) => err)
    expect(failed.code).toBe(1)
    expect(failed.stderr.trim()).toBe('Invalid configuration: PORT="eighty": Invalid input: expected number, received NaN')
  })

  it('serves the API, then on SIGTERM finishes and exits 0', async () => {
    const port = await getPort({ host: '127.0.0.1' })
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env: env({ PORT: String(port), DEMO_DATA: 'false' }), stdio: 'pipe' })
    let output = ''
    child.stdout.on('data', (d) => { output += d })
    child.stderr.on('data', (d) => { output += d })
    const base = `http://127.0.0.1:${port}`
    let ready = false
    for (let i = 0; i < 100 && !ready; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false)
    }
    expect(ready, output).toBe(true)
    const list = await fetch(`${base}/v1/actors`)
    expect(list.status).toBe(200)
    expect(await list.json()).toMatchObject({ data: expect.any(Array), page: { limit: 50 } })
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect(code, output).toBe(0)
  })
})
