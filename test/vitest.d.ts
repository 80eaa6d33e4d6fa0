import 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the server's maintenance database; per-file databases are created next to it. */
    adminUrl: string
    /** User and password of the login role (a member of sitrep_app) the app under test connects as. */
    appRole: { user: string, password: string }
    /** Name of the migrated template database each test file clones. */
    templateDatabase: string
  }
}
