import { readFileSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const read = (path: string) => readFileSync(join(root, path), 'utf8')

// The env names of src/config.ts, read from its source: the keys of the zod object `envSchema`.
function configuredNames (): string[] {
  const source = read('src/config.ts')
  const start = source.indexOf('const envSchema = z.object({')
  const end = source.indexOf('\n})', start)
  return [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1])
}

// The documents a newcomer reads; none may point outside the repository.
const documents = ['README.md', 'SECURITY.md', 'bench/README.md', 'docs/api.md', 'docs/architecture.md', 'docs/development.md', 'docs/operations.md']

// Links that leave the repository go to public standards only.
const standards = /^https:\/\/(www\.rfc-editor\.org|datatracker\.ietf\.org|www\.w3\.org|html\.spec\.whatwg\.org|www\.iso\.org|semver\.org|www\.standardwebhooks\.com|spec\.openapis\.org|prometheus\.io\/docs\/instrumenting\/exposition_formats)\//

describe('docs', () => {
  it('when src/config.ts reads a variable, then the configuration table of docs/operations.md lists it', () => {
    const names = configuredNames()
    expect(names).toContain('PORT')
    expect(names).toContain('CURSOR_SECRET')
    expect(names.length).toBeGreaterThan(25)
    const rows = read('docs/operations.md').split('\n').filter((line) => line.startsWith('| `'))
    const documented = new Set(rows.flatMap((row) => [...row.split(' | ')[0].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1])))
    expect(names.filter((name) => !documented.has(name))).toEqual([])
  })

  it('when a document links somewhere, then the target is a file of the repository or a public standard', () => {
    const bad: string[] = []
    for (const doc of documents) {
      const text = read(doc).replace(/```[\s\S]*?```/g, '')
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(target)) {
          if (!standards.test(target)) bad.push(`${doc}: ${target}`)
          continue
        }
        const path = target.split('#')[0]
        if (path === '') continue
        const file = resolve(root, dirname(doc), path)
        if (relative(root, file).startsWith('..') || !existsSync(file)) bad.push(`${doc}: ${target}`)
      }
      if (/\.\.\/shared|\/work\//.test(text)) bad.push(`${doc}: mentions a path outside the repository`)
    }
    expect(bad).toEqual([])
  })
})
