import fc from 'fast-check'
import { deepJsonText, extremeText, hostileValue, mutate, oddText } from './hostile.ts'
import type { Memory, Operation } from './requests.ts'
import { idArbitrary, valid } from './schema-arbitrary.ts'

export interface Body { payload?: string, contentType?: string }

const importSchemas: Record<string, string> = {
  actor: 'ActorCreate', source: 'SourceCreate', incident: 'IncidentCreate', casualtyReport: 'CasualtyReportCreate', statement: 'StatementCreate'
}

/** NDJSON import bodies: lines built from the create schemas, refs between lines; broken lines when hostile. */
function importBody (memory: Memory, hostile: boolean): fc.Arbitrary<string> {
  const line = fc.constantFrom(...Object.keys(importSchemas)).chain((entity) => {
    const data = valid({ $ref: `#/components/schemas/${importSchemas[entity]}` }, memory)
      .chain((d) => entity === 'casualtyReport' ? idArbitrary(memory, 'incident').map((incidentId) => ({ ...(d as object), incidentId })) : fc.constant(d))
    const record = fc.record({ entity: fc.constant(entity), ref: fc.constantFrom('a', 'b', 'c', 'd'), data })
    return (hostile ? fc.oneof(record, record.chain(mutate)) : record).map((r) => JSON.stringify(r))
  })
  const raw = fc.constantFrom('', '{', 'null', '[]', '"x"', '{"entity":"actor","data":{"parentId":{"ref":"a"}},"ref":"a"}', '\u0000', 'x'.repeat(100_000))
  const lines = hostile ? fc.oneof({ weight: 5, arbitrary: line }, { weight: 1, arbitrary: raw }) : line
  return fc.array(lines, { minLength: hostile ? 0 : 1, maxLength: 6 }).map((ls) => ls.join('\n'))
}

const wrongContentType = fc.constantFrom(undefined, 'text/plain', 'application/xml', 'multipart/form-data; boundary=x',
  'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'application/json', 'application/x-ndjson')

const brokenJson = fc.oneof(extremeText, oddText, deepJsonText,
  fc.constantFrom('{', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '[1,2', 'NaN', '\uFEFF{}', '{"__proto__":{"x":1}}'))

/** The request body of an operation: valid for its schema, or (hostile) mutated, retyped or broken. */
export function bodyArbitrary (operation: Operation, memory: Memory, hostile: boolean): fc.Arbitrary<Body> {
  const content = operation.op.requestBody?.content
  if (!content) return fc.constant({})
  const declared = Object.keys(content)[0]
  const types = [{ weight: 8, arbitrary: fc.constant<string | undefined>(declared) }]
  if (operation.method === 'PATCH') types.push({ weight: 3, arbitrary: fc.constant('application/merge-patch+json') })
  if (hostile) types.push({ weight: 2, arbitrary: wrongContentType })
  const json = valid(content[declared].schema, memory)
  const text = declared === 'application/x-ndjson'
    ? importBody(memory, hostile)
    : hostile
      ? fc.oneof(
        { weight: 4, arbitrary: json.chain(mutate).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: brokenJson })
      : json.map((v) => JSON.stringify(v))
  return fc.tuple(text, fc.oneof(...types)).map(([payload, contentType]) => ({ payload, contentType }))
}
