import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { describeServingRole, ensureAppLogin, privilegeWarning } from '../../src/db/app-role.ts'
import { migrate } from '../../src/db/migrate.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'

let t: TestContext
let app: pg.Client
let owner: pg.Client

beforeAll(async () => {
  t = await createTestApp()
  app = new pg.Client({ connectionString: t.databaseUrl })
  owner = new pg.Client({ connectionString: t.ownerUrl })
  await Promise.all([app.connect(), owner.connect()])
})
const roles: string[] = []
afterAll(async () => {
  await Promise.all([app?.end(), owner?.end()])
  const admin = new pg.Client({ connectionString: inject('adminUrl') })
  await admin.connect()
  for (const role of roles) await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`)
  await admin.end()
})

function newRoleName (): string {
  const name = `sitrep_test_role_${randomBytes(4).toString('hex')}`
  roles.push(name)
  return name
}

describe('the role the app connects as', () => {
  it('is the run\'s app login, not a superuser, and owns no table', async () => {
    const { rows: [row] } = await t.app.pool.query('SELECT current_user AS user')
    expect(row.user).toBe(inject('appRole').user)
    const role = await describeServingRole((sql) => t.app.pool.query(sql))
    expect(role).toEqual({ user: inject('appRole').user, superuser: false, ownedTables: 0 })
    expect(privilegeWarning(role)).toBeNull()
  })

  it('when the owner serves, then the start-up warning names the risk', async () => {
    const role = await describeServingRole((sql) => owner.query(sql))
    expect(privilegeWarning(role)).toMatch(/which is a superuser: it could alter or drop tables and disable the change log's append-only trigger/)
  })

  it('cannot disable the change log\'s append-only trigger, nor step around it', async () => {
    await expect(app.query('ALTER TABLE changes DISABLE TRIGGER changes_append_only')).rejects.toThrow('must be owner of table changes')
    await expect(app.query('ALTER TABLE changes DISABLE TRIGGER ALL')).rejects.toThrow('must be owner of table changes')
    await expect(app.query('DROP TRIGGER changes_append_only ON changes')).rejects.toThrow('must be owner of relation changes')
    await expect(app.query('SET session_replication_role = replica')).rejects.toThrow('permission denied to set parameter "session_replication_role"')
  })

  it('cannot rewrite or empty the change log', async () => {
    await app.query("INSERT INTO changes (entity, entity_id, action, version) VALUES ('actor', gen_random_uuid(), 'created', 1)")
    await expect(app.query('UPDATE changes SET version = version + 1')).rejects.toThrow('permission denied for table changes')
    await expect(app.query('DELETE FROM changes')).rejects.toThrow('permission denied for table changes')
    await expect(app.query('TRUNCATE changes')).rejects.toThrow('permission denied for table changes')
  })

  it('cannot create, alter or drop tables, nor touch the migration history', async () => {
    await expect(app.query('CREATE TABLE scratch (id int)')).rejects.toThrow('permission denied for schema public')
    await expect(app.query('DROP TABLE incidents')).rejects.toThrow('must be owner of table incidents')
    await expect(app.query('ALTER TABLE incidents ADD COLUMN note text')).rejects.toThrow('must be owner of table incidents')
    await expect(app.query('TRUNCATE incidents')).rejects.toThrow('permission denied for table incidents')
    await expect(app.query('CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$')).rejects.toThrow('permission denied for schema public')
    await expect(app.query('DELETE FROM _prisma_migrations')).rejects.toThrow('permission denied for table _prisma_migrations')
    await expect(app.query('SELECT sitrep_grant_app_privileges()')).rejects.toThrow('permission denied for function sitrep_grant_app_privileges')
    // what the health check reads
    expect((await app.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows[0].n).toBeGreaterThan(0)
  })

  it('when a later migration creates a table as the owner, then the app may use it without a new grant', async () => {
    await owner.query('CREATE TABLE later_table (id serial PRIMARY KEY, note text)')
    await app.query("INSERT INTO later_table (note) VALUES ('x')")
    await app.query("UPDATE later_table SET note = 'y'")
    expect((await app.query('DELETE FROM later_table RETURNING note')).rows).toEqual([{ note: 'y' }])
    await expect(app.query('DROP TABLE later_table')).rejects.toThrow('must be owner of table later_table')
  })

  it('when a table was created by another role than the migrations\', then the next migration run grants it', async () => {
    const other = newRoleName()
    await owner.query(`CREATE ROLE ${other} NOLOGIN; GRANT CREATE ON SCHEMA public TO ${other}`)
    await owner.query(`SET ROLE ${other}; CREATE TABLE other_table (id int); RESET ROLE`)
    await expect(app.query('INSERT INTO other_table VALUES (1)')).rejects.toThrow('permission denied for table other_table')
    expect(await migrate(t.ownerUrl)).toEqual({ applied: [] })
    await app.query('INSERT INTO other_table VALUES (1)')
    await expect(app.query('TRUNCATE other_table')).rejects.toThrow('permission denied for table other_table')
    await owner.query(`DROP TABLE other_table; REVOKE CREATE ON SCHEMA public FROM ${other}`)
  })

  it('when API processes start together, then the login role is created once and the grants do not collide', async () => {
    const user = newRoleName()
    const appUrl = new URL(t.ownerUrl)
    appUrl.username = user
    appUrl.password = randomBytes(12).toString('hex')
    const logs: string[] = []
    await Promise.all([1, 2, 3, 4].map(async () => {
      await migrate(t.ownerUrl)
      await ensureAppLogin(t.ownerUrl, appUrl.href, (m) => logs.push(m))
    }))
    expect(logs).toEqual([`created the login role ${user} (member of sitrep_app)`])
    const client = new pg.Client({ connectionString: appUrl.href })
    await client.connect()
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM changes')).rows[0].n).toBeGreaterThanOrEqual(0)
      await expect(client.query('TRUNCATE changes')).rejects.toThrow('permission denied for table changes')
    } finally {
      await client.end()
    }
  })
})
