import Fastify from 'fastify'
import { validatorCompiler } from 'fastify-type-provider-zod'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import strictQuery from '../../src/http/strict-query.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec, spec } from '../helpers/spec.ts'
import { createActor } from '../factories/index.ts'

// Unknown query parameters are a 400 on every operation, not only on lists; an empty number is not "absent".
let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

async function send (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const res = await t.app.inject({ method, url, headers: t.auth('admin'), ...(payload ? { payload } : {}) })
  const body = res.headers['content-type']?.includes('json') ? res.json() : undefined
  expectMatchesSpec({ status: res.statusCode, headers: res.headers as Record<string, string>, body, text: res.body }, method, url)
  return { status: res.statusCode, body }
}

describe('unknown query parameters', () => {
  it('when a DELETE, PATCH or GET of one record carries ?debug=x, then 400 naming it and nothing changes', async () => {
    const actor = await createActor(t)
    for (const [method, payload] of [['DELETE'], ['PATCH', { title: 'changed' }], ['GET']] as const) {
      const res = await send(method, `/v1/actors/${actor.id}?debug=x`, payload)
      expect(res.status, method).toBe(400)
      expect(res.body.errors, method).toEqual([{ in: 'query', path: 'debug', message: 'unknown parameter' }])
    }
    const after = await send('GET', `/v1/actors/${actor.id}`)
    expect(after.body).toMatchObject({ version: 1, title: actor.title ?? null })
  })

  it('when a POST carries a prototype-pollution probe in bracket syntax, then 400 naming it and nothing is created', async () => {
    const name = 'Bracket Probe Brigade'
    const res = await send('POST', '/v1/actors?constructor[prototype][admin]=x', { name, kind: 'armed_group' })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([{ in: 'query', path: 'constructor[prototype][admin]', message: 'unknown parameter' }])
    expect((await send('GET', '/v1/actors?q=bracket%20probe')).body.data).toEqual([])
  })

  it('when the health, readiness and metrics endpoints get an unknown parameter, then 400 too', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await send('GET', `${path}?verbose=1`)
      expect(res.status, path).toBe(400)
      expect(res.body.errors[0], path).toMatchObject({ in: 'query', path: 'verbose' })
    }
  })

  it('when a route declares a querystring that lets unknown keys through, then the app refuses to start', async () => {
    const app = Fastify()
    app.setValidatorCompiler(validatorCompiler)
    await app.register(strictQuery)
    await app.after()
    expect(() => app.get('/lenient', { schema: { querystring: z.object({ a: z.string().optional() }) } }, async () => 'ok'))
      .toThrow(/GET \/lenient: its querystring schema must be a z\.strictObject/)
    app.get('/strict', { schema: { querystring: z.strictObject({ a: z.string().optional() }) } }, async () => 'ok')
    app.get('/none', async () => 'ok')
    expect((await app.inject('/strict?a=1')).statusCode).toBe(200)
    expect((await app.inject('/none?a=1')).statusCode).toBe(400)
    await app.close()
  })
})

describe('empty numeric query parameters', () => {
  it.each([
    ['/v1/actors/00000000-0000-7000-8000-000000000000/incidents?minFatalities=', 'minFatalities'],
    ['/v1/incidents?maxFatalities=', 'maxFatalities'],
    ['/v1/incidents?minFatalities=%20', 'minFatalities'],
    ['/v1/incidents?near=34.5,69.2&radiusKm=', 'radiusKm'],
    ['/v1/changes?limit=', 'limit'],
    ['/v1/timeline?limit=', 'limit']
  ])('when %s, then 400 naming %s, not the filter left out', async (url, param) => {
    const res = await send('GET', url)
    expect(res.status).toBe(400)
    expect(res.body.errors[0]).toMatchObject({ in: 'query', path: param })
  })

  it('when any query parameter of any read is sent empty, then 400 naming it (an empty value is never "absent")', async () => {
    const accepted: string[] = []
    for (const [path, methods] of Object.entries<Record<string, any>>(spec.paths)) {
      const params = (methods.get?.parameters ?? []).filter((p: any) => p.in === 'query')
      for (const p of params) {
        const url = `${path.replace('{id}', '0199c9a8-0000-7000-8000-00000000000f').replace('{type}', 'validation')}?${p.name}=`
        const res = await t.app.inject({ method: 'GET', url, headers: t.auth('admin') })
        if (res.statusCode !== 400 || !res.json().errors?.some((e: { path: string }) => e.path === p.name)) accepted.push(`${url} → ${res.statusCode}`)
      }
    }
    expect(accepted).toEqual([])
  })

  it('when minFatalities is a number, then it still filters', async () => {
    const res = await send('GET', '/v1/incidents?minFatalities=0&maxFatalities=10')
    expect(res.status).toBe(200)
  })
})
