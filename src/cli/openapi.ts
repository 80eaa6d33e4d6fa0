import { writeFile } from 'node:fs/promises'
import { buildApp } from '../app.ts'

// The spec is derived from the route schemas alone; the pool never connects.
export async function generateSpec () {
  const app = await buildApp({ databaseUrl: 'postgresql://unused@127.0.0.1:1/unused', logger: false })
  await app.ready()
  const json = `${JSON.stringify(app.swagger(), null, 2)}\n`
  const yaml = app.swagger({ yaml: true })
  await app.close()
  return { json, yaml }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { json, yaml } = await generateSpec()
  await writeFile(new URL('../../openapi/openapi.json', import.meta.url), json)
  await writeFile(new URL('../../openapi/openapi.yaml', import.meta.url), yaml)
  console.log('wrote openapi/openapi.json and openapi/openapi.yaml')
}
