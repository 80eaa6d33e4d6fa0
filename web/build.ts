import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pathToFileURL } from 'node:url'

export const webRoot = import.meta.dirname
export const distDir = join(webRoot, 'dist')

export interface BundleSize { files: number, bytes: number, gzipBytes: number }

/** The shipped JavaScript of dist/ (what the explorer's budget of 200 kB gzipped counts). */
export function measureBundle (): BundleSize {
  const assets = join(distDir, 'assets')
  const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'))
  let bytes = 0
  let gzipBytes = 0
  for (const name of scripts) {
    const body = readFileSync(join(assets, name))
    bytes += body.length
    gzipBytes += gzipSync(body, { level: 9 }).length
  }
  return { files: scripts.length, bytes, gzipBytes }
}

/** Builds the explorer into web/dist with Vite and prints the shipped JavaScript's size. */
export async function buildExplorer (): Promise<BundleSize> {
  const started = Date.now()
  // Loaded here, not at the top: the server imports this file only to ask explorerStale().
  const { build } = await import('vite')
  // Vite takes NODE_ENV from the environment, and a test runner sets it to "test" (which ships the
  // libraries' development builds): what is built is always what production serves.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ configFile: join(webRoot, 'vite.config.ts'), mode: 'production' })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
  const size = measureBundle()
  const kb = (n: number) => (n / 1024).toFixed(1)
  console.log(`explorer: built web/dist in ${Date.now() - started} ms; JavaScript ${kb(size.bytes)} kB, ${kb(size.gzipBytes)} kB gzipped (${size.files} files)`)
  return size
}

/** When web/dist has not been built. */
export function explorerMissing (): boolean {
  return !existsSync(join(distDir, 'index.html'))
}

/** When web/dist is older than any file under web/src or the pages (or absent). */
export function explorerStale (): boolean {
  const newest = (path: string): number => {
    const s = statSync(path)
    return s.isDirectory() ? Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name)))) : s.mtimeMs
  }
  let built: number
  try {
    built = statSync(join(distDir, 'index.html')).mtimeMs
  } catch {
    return true
  }
  return ['src', 'index.html', 'embed.html', 'vite.config.ts', 'build.ts'].some((p) => newest(join(webRoot, p)) > built)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildExplorer()
