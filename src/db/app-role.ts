import pg from 'pg'

/** The role that holds the API's privileges (created by a migration); the API logs in as a member. */
export const APP_GROUP_ROLE = 'sitrep_app'

type Log = (msg: string, level: 'info' | 'warn') => void

const userOf = (url: string): string => decodeURIComponent(new URL(url).username)

/**
 * Held while roles and grants change: API processes that start together would otherwise race
 * (CREATE ROLE twice; concurrent GRANTs fail with "tuple concurrently updated").
 */
export const ROLE_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('sitrep:roles'))"

/**
 * Makes the user of `appUrl` a login role that is a member of sitrep_app, connected as the owner
 * (`ownerUrl`, after the migrations): created with the URL's password when missing, which needs
 * CREATEROLE; an existing role keeps its password and is only made a member. When the owner may
 * not, the log says what to run instead, and the API's own connection will tell if it is missing.
 */
export async function ensureAppLogin (ownerUrl: string, appUrl: string, log: Log = () => {}): Promise<void> {
  const user = userOf(appUrl)
  if (user === '' || user === userOf(ownerUrl)) return
  if (user === APP_GROUP_ROLE) {
    log(`DATABASE_URL names the role ${APP_GROUP_ROLE}, which cannot log in: use a login role that is a member of it (see the README)`, 'warn')
    return
  }
  const password = decodeURIComponent(new URL(appUrl).password)
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query(ROLE_LOCK_SQL)
    const { rows: [group] } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_GROUP_ROLE])
    if (group === undefined) throw new Error(`role ${APP_GROUP_ROLE} does not exist: apply the migrations first (npm run migrate)`)
    const { rows: [role] } = await client.query<{ member: boolean }>(
      "SELECT pg_has_role(oid, $2, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1", [user, APP_GROUP_ROLE])
    const name = client.escapeIdentifier(user)
    const sql = role === undefined
      ? `CREATE ROLE ${name} LOGIN ${password === '' ? '' : `PASSWORD ${client.escapeLiteral(password)} `}IN ROLE ${APP_GROUP_ROLE}`
      : role.member ? undefined : `GRANT ${APP_GROUP_ROLE} TO ${name}`
    if (sql === undefined) return
    try {
      await client.query(sql)
      await client.query('COMMIT')
      log(role === undefined ? `created the login role ${user} (member of ${APP_GROUP_ROLE})` : `made ${user} a member of ${APP_GROUP_ROLE}`, 'info')
    } catch (err) {
      if ((err as { code?: string }).code !== '42501') throw err
      log(`the migrating role may not ${role === undefined ? `create the role ${user}` : `grant ${APP_GROUP_ROLE} to ${user}`}; ` +
        `have an administrator run: ${role === undefined ? `CREATE ROLE ${name} LOGIN PASSWORD '…' IN ROLE ${APP_GROUP_ROLE}` : sql}`, 'warn')
    }
  } finally {
    // Ends the transaction when it did not commit (nothing to do, or refused).
    await client.end()
  }
}

export interface ServingRole { user: string, superuser: boolean, ownedTables: number }

/** Who the API is connected as, and what it could do beyond its grants. */
export async function describeServingRole (query: (sql: string) => Promise<{ rows: any[] }>): Promise<ServingRole> {
  const { rows: [row] } = await query(`SELECT current_user AS user, r.rolsuper AS superuser,
      (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND pg_has_role(c.relowner, 'USAGE')) AS "ownedTables"
    FROM pg_roles r WHERE r.rolname = current_user`)
  return row as ServingRole
}

/** The warning to log when the API's role could change the schema or rewrite the change log; null when it cannot. */
export function privilegeWarning (role: ServingRole): string | null {
  if (!role.superuser && role.ownedTables === 0) return null
  return `the API connects as ${role.user}, which ${role.superuser ? 'is a superuser' : `owns ${role.ownedTables} table(s)`}: ` +
    'it could alter or drop tables and disable the change log\'s append-only trigger. Set DATABASE_URL to a role ' +
    `that is a member of ${APP_GROUP_ROLE} and MIGRATION_DATABASE_URL to the owner (see the README)`
}
