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

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // With CI set, a skipped test fails the run (test/helpers/no-skips-on-ci.ts).
    reporters: onCI ? [...configDefaults.reporters, './test/helpers/no-skips-on-ci.ts'] : configDefaults.reporters
  }
})
