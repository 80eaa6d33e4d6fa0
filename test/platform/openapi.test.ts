import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateSpec } from '../../src/cli/openapi.ts'
import { problemTypes } from '../../src/http/problems.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext
const committed = async (name: string) => readFile(new URL(`../../openapi/${name}`, import.meta.url), 'utf8')

beforeAll(async () => {
  t = await createTestApp()
})

describe('the OpenAPI document', () => {
  it('when generated from the routes, then it equals the committed files (run `npm run openapi` if not)', async () => {
    const { json, yaml } = await generateSpec()
    expect(json).toBe(await committed('openapi.json'))
    expect(yaml).toBe(await committed('openapi.yaml'))
  })

  it('is served as JSON and YAML, identical to the committed document', async () => {
    const json = await t.http().get('/openapi.json')
    expect(json.status).toBe(200)
    expect(json.body).toEqual(JSON.parse(await committed('openapi.json')))
    const yaml = await t.http().get('/openapi.yaml')
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/)
    expect(parse(yaml.text)).toEqual(json.body)
  })

  it('gives every operation an operationId, a summary, a tag, security and its problem responses', async () => {
    const doc = JSON.parse(await committed('openapi.json'))
    const ops = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, methods]) =>
      Object.entries<any>(methods).map(([method, op]) => ({ path, method, op })))
    expect(ops.length).toBeGreaterThan(10)
    for (const { path, method, op } of ops) {
      const where = `${method} ${path}`
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/)
      expect(op.summary, where).toBeTruthy()
      expect(op.tags?.length, where).toBe(1)
      expect(op.security, where).toBeDefined()
      if (path.startsWith('/v1')) {
        expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['400', '429', '503']))
        if (method !== 'get') expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '403']))
      }
    }
    const ids = ops.map((o) => o.op.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Actor', 'Source', 'Problem', 'Page']))
  })

  it('says on every operation that unknown query parameters are refused (x-query-additionalProperties: false)', async () => {
    const doc = JSON.parse(await committed('openapi.json'))
    const lenient = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, methods]) =>
      Object.entries<any>(methods).filter(([, op]) => op['x-query-additionalProperties'] !== false).map(([method]) => `${method} ${path}`))
    expect(lenient).toEqual([])
  })
})

describe('GET /docs', () => {
  it('serves the docs page and its assets from this server', async () => {
    const page = await t.http().get('/docs/')
    expect(page.status).toBe(200)
    expect(page.text).toContain('<div id="swagger-ui"></div>')
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(assets.length).toBeGreaterThan(0)
    for (const asset of assets) {
      expect(asset, 'no asset from another host').not.toMatch(/^(https?:)?\/\//)
      const res = await t.http().get(new URL(asset, 'http://local/docs/').pathname)
      expect(res.status, asset).toBe(200)
    }
  })
})

describe('GET /problems/{type}', () => {
  it.each(problemTypes)('serves a page for %s', async (type) => {
    const res = await t.http().get(`/problems/${type}`)
    expectMatchesSpec(res, 'GET', `/problems/${type}`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.text).toContain(`/problems/${type}`)
  })

  it('answers 404 problem+json for an unknown route', async () => {
    const res = await t.http().get('/v1/nothing-here')
    expect(res.status).toBe(404)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.body).toMatchObject({ type: '/problems/not-found', title: 'Not found', status: 404, instance: '/v1/nothing-here' })
  })
})
