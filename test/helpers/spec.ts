import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { expect } from 'vitest'

// Every response a test checks is validated against the committed OpenAPI document, so the spec
// integrators read is the one the server keeps.
export const spec = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats.default(ajv)
ajv.addSchema(spec, 'spec')

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1')

function operationPath (path: string, method: string): string | undefined {
  const bare = path.split('?')[0]
  return Object.keys(spec.paths).find((template) => {
    if (!spec.paths[template][method]) return false
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`)
    return re.test(bare)
  })
}

interface ResponseLike { status: number, headers: Record<string, string>, body: unknown, text?: string, req?: { method: string, path: string } }

/**
 * What is wrong with a response of the operation `method template`, or null when the spec
 * documents its status and content type and the body validates. NDJSON is checked line by line.
 */
export function specViolation (res: ResponseLike, method: string, template: string): string | null {
  const m = method.toLowerCase()
  const responses = spec.paths[template]?.[m]?.responses
  if (!responses) return `no operation ${method} ${template} in openapi.json`
  const where = `${method} ${template} ${res.status}`
  if (!(String(res.status) in responses)) return `${method} ${template} does not document status ${res.status}`
  const contentType = (res.headers['content-type'] ?? '').split(';')[0]
  const content = responses[res.status].content
  if (!content) return (res.text ?? '') === '' ? null : `${where}: documented without content, but has a body`
  if (!(contentType in content)) return `${where} does not document ${contentType}`
  const validate = ajv.getSchema(`spec#/paths/${escapePointer(template)}/${m}/responses/${res.status}/content/${escapePointer(contentType)}/schema`)!
  const bodies = contentType === 'application/x-ndjson'
    ? (res.text ?? '').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    : [contentType.endsWith('json') ? res.body : res.text]
  for (const body of bodies) {
    if (!validate(body)) return `${where}: ${ajv.errorsText(validate.errors)}`
  }
  return null
}

export function expectMatchesSpec (res: ResponseLike, method: string, path: string) {
  const template = operationPath(path, method.toLowerCase())
  expect(template, `no operation ${method} ${path} in openapi.json`).toBeDefined()
  expect(specViolation(res, method, template!), `${method} ${path}`).toBeNull()
}
