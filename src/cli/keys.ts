import { parseArgs } from 'node:util'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'
import { createKeyRepository } from '../modules/keys/repository.ts'
import { scopes, type Scope } from '../modules/keys/schemas.ts'
import { UsageError, withCliDatabase } from './database.ts'

const usage = `usage:
  npm run keys -- create --name NAME --scopes read,write[,admin] [--json]
  npm run keys -- list [--json]
  npm run keys -- revoke ID`

function fail (message: string): never {
  throw new UsageError(message)
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean', default: false } }
})
const [command, id] = positionals

await withCliDatabase(async ({ appUrl: databaseUrl }) => {
  if (!['create', 'list', 'revoke'].includes(command ?? '')) fail(usage)
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) })
  const keys = createKeyRepository(db)
  try {
    if (command === 'create') {
      const name = values.name?.trim()
      if (!name) fail(`--name is required\n${usage}`)
      const wanted = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean)
      const bad = wanted.filter((s) => !(scopes as readonly string[]).includes(s))
      if (wanted.length === 0 || bad.length > 0) fail(`--scopes must list some of ${scopes.join(', ')}${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}`)
      const key = await keys.create(name, wanted as Scope[])
      if (values.json) {
        console.log(JSON.stringify({ id: key.id, name: key.name, scopes: key.scopes, secret: key.secret }))
      } else {
        console.log(`created key ${key.id} "${key.name}" with scopes ${key.scopes.join(',')}`)
        console.log(`secret (shown once, store it now): ${key.secret}`)
      }
    } else if (command === 'list') {
      const list = await keys.list()
      if (values.json) console.log(JSON.stringify(list))
      else if (list.length === 0) console.log('no keys')
      else {
        for (const k of list) {
          console.log([k.id, k.name, k.scopes.join(','), k.createdAt.toISOString(), k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'].join('\t'))
        }
      }
    } else {
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) fail(`revoke needs a key id\n${usage}`)
      if (!(await keys.revoke(id))) fail(`no active key ${id}`)
      console.log(`revoked ${id}`)
    }
  } finally {
    await db.$disconnect()
  }
})
