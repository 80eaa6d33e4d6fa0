import type { Reporter, TestModule, Vitest } from 'vitest/node'

// Registered by vitest.config.ts when CI is set: a skipped test fails the run, so CI is never green
// without having run every test (a `describe.runIf(tool)` that nobody notices is skipped would be).
// A run filtered by name (-t) skips tests on purpose and is left alone.
export default class NoSkipsOnCI implements Reporter {
  private filtered = false

  onInit (vitest: Vitest): void {
    this.filtered = vitest.config.testNamePattern !== undefined
  }

  onTestRunEnd (testModules: ReadonlyArray<TestModule>): void {
    if (this.filtered) return
    const skipped = testModules.flatMap((m) => [...m.children.allTests('skipped')].map((test) => `${m.relativeModuleId} › ${test.fullName}`))
    if (skipped.length === 0) return
    console.error(`\nCI is set, and ${skipped.length} test(s) were skipped (give them what they need; see the README's development section):\n  ${skipped.join('\n  ')}\n`)
    process.exitCode = 1
  }
}
