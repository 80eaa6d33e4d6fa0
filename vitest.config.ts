import { configDefaults, defineConfig } from 'vitest/config'
import { onCI } from './test/helpers/ci.ts'

// vitest 5's reporter prints failures with Map.groupBy, which Node 20 lacks (added in Node 21).
if (!('groupBy' in Map)) {
  Object.defineProperty(Map, 'groupBy', {
    value: <K, T>(items: Iterable<T>, key: (item: T, index: number) => K) => {
      const groups = new Map<K, T[]>()
      let i = 0
      for (const item of items) {
        const k = key(item, i++)
        const group = groups.get(k)
        if (group) group.push(item)
        else groups.set(k, [item])
      }
      return groups
    }
  })
}

// Tests that start processes (the API, the CLI, a PostgreSQL of their own), break things or fuzz.
// Everything else under test/modules, test/platform and test/db is an api test, so a new file lands
// there unless it is listed here.
const slow = [
  'test/fuzz/**/*.test.ts',
  'test/concurrency/**/*.test.ts',
  'test/platform/cursors.test.ts', // two of its four tests start API processes (most of its 30 s)
  'test/platform/faults.test.ts',
  'test/platform/instances.test.ts',
  'test/platform/processes.test.ts',
  'test/platform/shutdown.test.ts',
  'test/db/deployment-roles.test.ts',
  'test/db/embedded.test.ts',
  'test/db/replicas-streaming.test.ts' // a primary and a streaming standby of its own
]

// Only the tiers that use the shared database start it; `npm run test:unit` never does.
const database = { globalSetup: ['test/global-setup.ts'] }

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // With CI set, a skipped test fails the run (test/helpers/no-skips-on-ci.ts).
    reporters: onCI ? [...configDefaults.reporters, './test/helpers/no-skips-on-ci.ts'] : configDefaults.reporters,
    projects: [
      // Pure functions: no database, no app, no process.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The real app (supertest) on a real PostgreSQL.
      { extends: true, test: { name: 'api', include: ['test/modules/**/*.test.ts', 'test/platform/**/*.test.ts', 'test/db/**/*.test.ts'], exclude: [...configDefaults.exclude, ...slow], ...database } },
      { extends: true, test: { name: 'slow', include: slow, ...database } },
      // What integrators see: the docs page in a browser, the demo through the typed client, the analysts' Python recipes.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts', 'test/analysts/**/*.test.ts'], ...database } }
    ]
  }
})
