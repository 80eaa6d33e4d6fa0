import { migrate } from '../db/migrate.ts'
import { withCliDatabase } from './database.ts'

// `npm run migrate`: applies pending prisma/migrations to DATABASE_URL or the embedded database.
await withCliDatabase(async (databaseUrl) => {
  const started = Date.now()
  const { applied } = await migrate(databaseUrl)
  for (const name of applied) console.log(`applied ${name}`)
  console.log(applied.length === 0
    ? 'database is up to date'
    : `${applied.length} migration(s) applied in ${Date.now() - started} ms`)
})
