import { describe, expect, it } from 'vitest'
import { serializerCompiler } from '../../src/http/serializer.ts'
import { incidentPage, incidentSchema } from '../../src/modules/incidents/schemas.ts'
import { timelinePage } from '../../src/modules/timeline/schemas.ts'

const incident = incidentSchema.meta()!.example as Record<string, unknown>
const bare = { ...incident, summary: null, location: null, fatalities: null, endedAt: '2025-10-10T01:00:00.000Z' }

describe('response serializer', () => {
  it('writes what zod would: the same fields, nulls and unions, and leaves undeclared properties out', () => {
    const page = { data: [{ ...incident, internal: 'not in the schema' }, bare], page: { limit: 2, nextCursor: null } }
    expect(serializerCompiler({ schema: incidentPage })(page)).toBe(JSON.stringify(incidentPage.parse(page)))
    expect(JSON.parse(serializerCompiler({ schema: incidentPage })(page)).data[0].internal).toBeUndefined()
  })

  it('picks the branch of a tagged union by its tag', () => {
    const statement = {
      id: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a40',
      speakerId: '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a11',
      speakerTitle: null,
      kind: 'denial',
      summary: 'Denied it.',
      quote: null,
      language: 'en',
      channel: null,
      place: null,
      originalQuote: null,
      originalLanguage: null,
      statedAt: '2025-10-10T09:00:00.000Z',
      datePrecision: 'exact',
      incidentIds: [],
      aboutActorIds: [],
      respondsToId: null,
      sourceIds: [],
      createdAt: '2025-10-10T09:00:00.000Z',
      updatedAt: '2025-10-10T09:00:00.000Z',
      version: 1
    }
    const page = {
      data: [{ kind: 'statement', at: statement.statedAt, item: statement }, { kind: 'incident', at: incident.occurredAt, item: incident }],
      page: { limit: 2, nextCursor: 'abc' }
    }
    expect(serializerCompiler({ schema: timelinePage })(page)).toBe(JSON.stringify(timelinePage.parse(page)))
  })
})
