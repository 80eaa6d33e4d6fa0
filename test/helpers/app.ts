import type { FastifyInstance } from 'fastify'
import supertest from 'supertest'
import { afterAll } from 'vitest'
import { buildApp, type AppOptions } from '../../src/app.ts'
import { createKeyRepository } from '../../src/modules/keys/repository.ts'
import { createTestDatabase } from './database.ts'

export interface TestContext {
  app: FastifyInstance
  /** as the app's role, which owns nothing */
  databaseUrl: string
  /** as the owner of the schema (the test server's admin) */
  ownerUrl: string
  /** supertest agent on the real server */
  http: () => supertest.Agent
  keys: { read: string, write: string, admin: string }
  auth: (scope?: 'read' | 'write' | 'admin') => { authorization: string }
}

/** The production app on this test file's own freshly migrated database, with one key per scope. */
export async function createTestApp (options: Partial<AppOptions> = {}): Promise<TestContext> {
  const database = await createTestDatabase()
  // A test file sends hundreds of requests a minute from one address, bad keys among them: the
  // rate-limit and failed-authentication tests pass their own limits. The webhook worker would poll in
  // the background of every file (and into the tests that count SQL statements): the webhook tests turn it on.
  const app = await buildApp({ databaseUrl: database.url, logger: false, rateLimitPerMinute: 1_000_000, authFailuresPerMinute: 1_000_000, webhooks: { worker: false }, ...options })
  await app.ready()
  const repo = createKeyRepository(app.db)
  const keys = {
    read: (await repo.create('reader', ['read'])).secret,
    write: (await repo.create('newsroom', ['write'])).secret,
    admin: (await repo.create('admin', ['admin'])).secret
  }
  afterAll(async () => {
    await app.close()
    await database.drop()
  })
  return {
    app,
    databaseUrl: database.url,
    ownerUrl: database.ownerUrl,
    http: () => supertest.agent(app.server),
    keys,
    auth: (scope = 'write') => ({ authorization: `Bearer ${keys[scope]}` })
  }
}
