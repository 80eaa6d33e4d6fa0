import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { columnsFor, fieldPaths, fieldsParam, projector } from '../../src/http/fields.ts'

const view = z.object({
  id: z.string(),
  location: z.object({ name: z.string(), lat: z.number() }).nullable(),
  tags: z.array(z.string()),
  extra: z.object({ deep: z.object({ x: z.number() }) }).optional()
})

describe('fields=', () => {
  it('knows every key and every nested object key as a dotted path; arrays are whole', () => {
    expect(fieldPaths(view)).toEqual(['id', 'location', 'location.name', 'location.lat', 'tags', 'extra', 'extra.deep', 'extra.deep.x'])
  })

  it('when a path is unknown, then the issue names it; known paths parse, duplicates once', () => {
    const param = fieldsParam(fieldPaths(view))
    expect(param.parse('tags,id,tags')).toEqual(['tags', 'id'])
    const bad = param.safeParse('id,nope,location.x')
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0].message).toMatch(/^unknown fields "nope", "location\.x"; known fields: id, location/)
  })

  it('projects in the view\'s key order, keeps a null object null, a whole object wins over one of its fields', () => {
    const project = projector(['tags', 'location.lat', 'extra.deep.x'])
    expect(project({ id: 'a', location: { name: 'K', lat: 1 }, tags: ['t'], extra: { deep: { x: 2 } } }))
      .toEqual({ location: { lat: 1 }, tags: ['t'], extra: { deep: { x: 2 } } })
    expect(project({ id: 'a', location: null, tags: [] })).toEqual({ location: null, tags: [] })
    expect(projector(['location', 'location.lat'])({ location: { name: 'K', lat: 1 } })).toEqual({ location: { name: 'K', lat: 1 } })
    expect(projector(['location.lat', 'location'])({ location: { name: 'K', lat: 1 } })).toEqual({ location: { name: 'K', lat: 1 } })
  })

  it('gives the flat columns of the paths in the order named, an object its dotted columns', () => {
    const columns = ['id', 'location.name', 'location.lat', 'tags']
    expect(columnsFor(['tags', 'location', 'id'], columns)).toEqual(['tags', 'location.name', 'location.lat', 'id'])
    expect(columnsFor(['location.lat', 'location'], columns)).toEqual(['location.lat', 'location.name'])
    expect(columnsFor(undefined, columns)).toBe(columns)
  })
})
