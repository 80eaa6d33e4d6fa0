import { readFile } from 'node:fs/promises'
import type { PrismaClient } from './generated/prisma/client.ts'
import { runImport } from './modules/imports/service.ts'

export const demoStoryPath = new URL('../data/demo/story.ndjson', import.meta.url)

/** Loads the demo story (data/demo/story.ndjson) when the database holds no actors and no incidents yet. */
export async function loadDemoData (db: PrismaClient): Promise<boolean> {
  const [actors, incidents] = await Promise.all([db.actor.count(), db.incident.count()])
  if (actors > 0 || incidents > 0) return false
  await runImport(db, await readFile(demoStoryPath, 'utf8'), { keyName: 'demo data' })
  return true
}
