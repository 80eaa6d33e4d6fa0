import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { expect } from 'vitest'

// Every response a test checks is validated against the committed OpenAPI document, so the spec
// integrators read is the one the server keeps.
const spec = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
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

export function expectMatchesSpec (res: ResponseLike, method: string, path: string) {
  const m = method.toLowerCase()
  const template = operationPath(path, m)
  expect(template, `no operation ${method} ${path} in openapi.json`).toBeDefined()
  const responses = spec.paths[template!][m].responses
  expect(Object.keys(responses), `${method} ${template} does not document status ${res.status}`).toContain(String(res.status))
  const contentType = (res.headers['content-type'] ?? '').split(';')[0]
  const content = responses[res.status].content
  if (!content) {
    expect(res.text ?? '', 'a response documented without content has no body').toBe('')
    return
  }
  expect(Object.keys(content), `${method} ${template} ${res.status} does not document ${contentType}`).toContain(contentType)
  const pointer = `spec#/paths/${escapePointer(template!)}/${m}/responses/${res.status}/content/${escapePointer(contentType)}/schema`
  const validate = ajv.getSchema(pointer)!
  const body = contentType.endsWith('json') ? res.body : res.text
  const ok = validate(body)
  expect(ok, `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(true)
}
