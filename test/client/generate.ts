// Writes test/client/schema.d.ts, the types of the typed client (openapi-fetch), from the committed
// openapi/openapi.json. Run by `npm run client:generate`, which `npm run typecheck` runs first.
import { writeFile } from 'node:fs/promises'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'

const spec = new URL('../../openapi/openapi.json', import.meta.url)
const out = new URL('./schema.d.ts', import.meta.url)

const started = Date.now()
// defaultNonNullable off: a request field with a default is optional for the client, as the spec's
// `required` lists say (on, openapi-typescript would make every defaulted field mandatory).
const ast = await openapiTS(spec, { defaultNonNullable: false, silent: true })
await writeFile(out, `/* eslint-disable */\n${COMMENT_HEADER}${astToString(ast)}`)
console.log(`test/client/schema.d.ts written from openapi/openapi.json in ${Date.now() - started} ms`)
