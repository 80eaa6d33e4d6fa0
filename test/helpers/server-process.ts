import { spawn } from 'node:child_process'
import getPort from 'get-port'
import { onTestFinished } from 'vitest'

const root = new URL('../../', import.meta.url).pathname

/** `npm start` as a real process on the given database, with extra environment; stopped when the test ends (call it inside a test). */
export async function startServerProcess (databaseUrl: string, env: Record<string, string> = {}) {
  const port = await getPort({ host: '127.0.0.1' })
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), DEMO_DATA: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000', ...env },
    stdio: 'ignore'
  })
  onTestFinished(() => { child.kill('SIGTERM') })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) return { child, base, port }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('server did not become ready')
}
