import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { explorerDist } from '../../src/modules/explorer/routes.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'

// The explorer's pages as HTTP answers: what the server sends, not what the browser draws (that is
// test/e2e/explorer-browser.test.ts). The build comes from test/global-setup.ts.

let t: TestContext
beforeAll(async () => { t = await createTestApp() })

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]))

describe('GET /', () => {
  it('when a browser asks for /, then it gets the explorer page under a policy that allows this server alone', async () => {
    const res = await t.http().get('/?country=AF&incident=anything').expect(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.text).toContain('<title>sitrep explorer</title>')
    expect(res.headers['cache-control']).toBe('no-cache')
    const csp = directives(res.headers['content-security-policy'])
    expect(csp.get('default-src')).toEqual(["'none'"])
    for (const name of ['script-src', 'style-src', 'connect-src', 'img-src']) expect(csp.get(name), name).toEqual(["'self'"])
    expect(csp.get('frame-ancestors')).toEqual(["'self'"])
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
    // Nothing inline for the policy to have to allow.
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i)
  })

  it('when the page names its scripts and styles, then each is served from /assets/ with a year of caching', async () => {
    const page = (await t.http().get('/').expect(200)).text
    const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true)
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true)
    for (const asset of assets) {
      const res = await t.http().get(asset).expect(200)
      expect(res.headers['cache-control'], asset).toBe('public, max-age=31536000, immutable')
      expect(res.headers['content-security-policy'], asset).toContain("script-src 'self'")
    }
  })

  it('when the basemap is asked for, then it is Natural Earth country shapes from this server', async () => {
    const file = readdirSync(join(explorerDist, 'assets')).find((name) => name.startsWith('countries-110m'))
    expect(file).toBeDefined()
    const res = await t.http().get(`/assets/${file}`).expect(200)
    const topology = JSON.parse(res.text) as { type: string, objects: { countries: { geometries: unknown[] } } }
    expect(topology.type).toBe('Topology')
    expect(topology.objects.countries.geometries.length).toBeGreaterThan(150)
  })

  it('when an asset does not exist, then the answer is a 404 problem', async () => {
    const res = await t.http().get('/assets/nope.js').expect(404)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  })
})

describe('GET /embed/…', () => {
  it('when a newsroom frames an incident, then any site may frame it and the rest of the policy stays strict', async () => {
    const res = await t.http().get('/embed/incidents/0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10').expect(200)
    expect(res.text).toContain('/assets/')
    const csp = directives(res.headers['content-security-policy'])
    expect(csp.get('frame-ancestors')).toEqual(['*'])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(res.headers['x-frame-options']).toBeUndefined()
  })

  it('when the timeline embed is asked for with filters, then it is served', async () => {
    const res = await t.http().get('/embed/timeline?country=AF&from=2025-01-01').expect(200)
    expect(directives(res.headers['content-security-policy']).get('frame-ancestors')).toEqual(['*'])
  })

  it('when the incident id is not a UUID, then the answer is a 400 problem, not a page', async () => {
    const res = await t.http().get('/embed/incidents/not-an-id').expect(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.body.errors[0]).toMatchObject({ in: 'path', path: 'id' })
  })

  it('when an API route is asked for, then it keeps the API policy (no framing at all)', async () => {
    const res = await t.http().get('/v1/incidents').expect(200)
    expect(directives(res.headers['content-security-policy']).get('frame-ancestors')).toEqual(["'none'"])
  })
})
