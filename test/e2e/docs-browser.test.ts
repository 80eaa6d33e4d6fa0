import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { launchChromium } from '../helpers/browser.ts'

// The docs page as a reader sees it: Chromium, headless, opens /docs on a loopback port.
// The page must render every operation from this server alone (no CDN, no validator badge, no
// fonts from elsewhere) and under the server's own Content-Security-Policy, whatever it is.

interface Violation { directive: string, blocked: string, source: string, line: number, sample: string }

let t: TestContext
let browser: Browser
let origin: string

beforeAll(async () => {
  // Fail, never skip: without a browser this test would prove nothing (the browser comes with npm install).
  t = await createTestApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  const launched = await launchChromium()
  browser = launched.browser
  console.log(`docs page browser: Chromium ${browser.version()} at ${launched.executablePath}`)
})

afterAll(async () => {
  await browser?.close()
})

async function openDocs (): Promise<{ page: Page, requests: string[], consoleErrors: string[], violations: () => Promise<Violation[]> }> {
  const context = await browser.newContext()
  const requests: string[] = []
  const consoleErrors: string[] = []
  context.on('request', (request) => { requests.push(request.url()) })
  const page = await context.newPage()
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()) })
  page.on('pageerror', (error) => { consoleErrors.push(`uncaught: ${error.message}`) })
  // Injected by the browser itself, so the page's CSP does not apply to this listener.
  await page.addInitScript(() => {
    const seen: Violation[] = []
    Object.defineProperty(window, '__cspViolations', { value: seen })
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample })
    })
  })
  const violations = () => page.evaluate(() => (window as unknown as { __cspViolations: Violation[] }).__cspViolations)
  return { page, requests, consoleErrors, violations }
}

describe('GET /docs in a real browser', () => {
  it('lists every operation, loads everything from this server, and breaks no CSP rule', async () => {
    const spec = await (await fetch(`${origin}/openapi.json`)).json() as { paths: Record<string, Record<string, { operationId?: string }>> }
    const operationIds = Object.values(spec.paths).flatMap((item) => Object.values(item).map((op) => op.operationId)).filter((id) => id !== undefined)
    expect(operationIds).toContain('listIncidents')

    const started = Date.now()
    const { page, requests, consoleErrors, violations } = await openDocs()
    const response = await page.goto(`${origin}/docs`)
    expect(response?.status()).toBeLessThan(400)

    await page.locator('.opblock', { hasText: 'listIncidents' }).first().waitFor({ state: 'visible', timeout: 15_000 })
    await expect.poll(() => page.locator('.opblock').count()).toBe(operationIds.length)
    await page.waitForLoadState('networkidle')
    const renderMs = Date.now() - started

    expect(await page.locator('.info .title').first().textContent()).toContain('sitrep API')
    const incidents = page.locator('.opblock', { hasText: 'listIncidents' }).first()
    expect(await incidents.locator('.opblock-summary-description').textContent()).toBe('List incidents')
    expect(await incidents.locator('.opblock-summary-method').textContent()).toBe('GET')
    for (const tag of ['Actors', 'Incidents', 'Casualty reports', 'Statements', 'Timeline', 'Changes', 'Keys']) {
      expect(await page.locator('.opblock-tag', { hasText: tag }).first().isVisible(), `tag ${tag}`).toBe(true)
    }
    for (const id of ['listActors', 'createStatement', 'createCasualtyReport', 'updateIncident', 'getIncidentStats']) {
      expect(await page.locator('.opblock', { hasText: id }).first().isVisible(), `operation ${id}`).toBe(true)
    }

    // Open one operation: its parameters, responses and schemas render under the same policy.
    await incidents.locator('.opblock-summary').click()
    await incidents.locator('.parameters').first().waitFor({ state: 'visible' })
    expect(await incidents.locator('.parameters').first().innerText()).toContain('actorRole')
    expect(await incidents.locator('.responses-table').first().innerText()).toContain('application/json')
    const schemaTitles = await page.locator('section.models .json-schema-2020-12__title').allInnerTexts()
    expect(schemaTitles).toEqual(expect.arrayContaining(['Incident', 'Statement', 'CasualtyReport', 'Problem']))

    if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: false })

    const foreign = requests.filter((url) => {
      const u = new URL(url)
      if (u.protocol === 'data:' || u.protocol === 'blob:') return false
      return u.origin !== origin
    })
    const cspViolations = await violations()
    const hosts = [...new Set(requests.map((url) => new URL(url).origin))]
    console.log(`docs page: ${operationIds.length} operations rendered in ${renderMs} ms; ${requests.length} requests, origins ${hosts.join(', ')}`)
    console.log(`docs page requests: ${requests.map((url) => url.replace(origin, '')).join(' ')}`)
    console.log(`docs page CSP: ${response?.headers()['content-security-policy'] ?? '(none)'}`)

    expect(foreign, 'requests to another host').toEqual([])
    expect(requests).toContain(`${origin}/docs/json`)
    const cspErrors = consoleErrors.filter((text) => /Content Security Policy|Refused to/i.test(text))
    expect(cspViolations, `Content-Security-Policy violations (violated directive, blocked URI, the script that did it); the browser said: ${cspErrors.join(' | ')}`).toEqual([])
    expect(cspErrors, 'CSP console errors').toEqual([])
    expect(consoleErrors, 'console errors').toEqual([])
    await page.context().close()
  }, 60_000)
})
