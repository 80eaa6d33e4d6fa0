import 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the server's maintenance database; per-file databases are created next to it. */
    adminUrl: string
    /** Name of the migrated template database each test file clones. */
    templateDatabase: string
  }
}
