import { ensureAppLogin } from '../db/app-role.ts'
import { migrate } from '../db/migrate.ts'
import { withCliDatabase } from './database.ts'

// `npm run migrate`: applies pending prisma/migrations as the owner (MIGRATION_DATABASE_URL, else
// DATABASE_URL, else the embedded database's), then makes DATABASE_URL's user a member of sitrep_app.
await withCliDatabase(async ({ appUrl, ownerUrl }) => {
  const started = Date.now()
  const { applied } = await migrate(ownerUrl)
  await ensureAppLogin(ownerUrl, appUrl, (msg, level) => (level === 'warn' ? console.warn : console.log)(msg))
  for (const name of applied) console.log(`applied ${name}`)
  console.log(applied.length === 0
    ? 'database is up to date'
    : `${applied.length} migration(s) applied in ${Date.now() - started} ms`)
})
