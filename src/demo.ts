import { readFile } from 'node:fs/promises'
import type pg from 'pg'
import { Prisma } from './generated/prisma/client.ts'
import { rawRows } from './db/rows.ts'
import { runImport } from './modules/imports/service.ts'

export const demoStoryPath = new URL('../data/demo/story.ndjson', import.meta.url)

/** Loads the demo story (data/demo/story.ndjson) when the database holds no actors and no incidents yet. */
export async function loadDemoData (pool: pg.Pool): Promise<boolean> {
  const [{ empty }] = await rawRows<{ empty: boolean }>(pool, Prisma.sql`SELECT NOT EXISTS (SELECT FROM actors) AND NOT EXISTS (SELECT FROM incidents) AS empty`)
  if (!empty) return false
  await runImport(pool, await readFile(demoStoryPath, 'utf8'), { keyName: 'demo data' })
  return true
}
