import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDemoData } from '../../src/demo.ts'
import { measureBundle } from '../../web/build.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { launchChromium } from '../helpers/browser.ts'

// The explorer as a reader uses it: Chromium, headless, on the demo story, served by the real app on
// a loopback port. Every page must run under the server's own CSP with no console error, no request
// to another host and no serious or critical axe finding. Screenshots go to EXPLORER_SCREENSHOTS
// (default test/e2e/screenshots/, not committed; docs/explorer.png is one of them).

interface Violation { directive: string, blocked: string, source: string }
interface Opened { page: Page, requests: string[], consoleErrors: string[], violations: () => Promise<Violation[]> }

const screenshots = process.env.EXPLORER_SCREENSHOTS ?? join(import.meta.dirname, 'screenshots')

let t: TestContext
let browser: Browser
let origin: string
let airstrikeId: string

beforeAll(async () => {
  // Fail, never skip: the browser comes with npm install (test/helpers/browser.ts).
  t = await createTestApp()
  expect(await loadDemoData(t.app.pool)).toBe(true)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  const found = await (await fetch(`${origin}/v1/incidents?q=${encodeURIComponent('"Pakistani airstrikes"')}`)).json() as { data: Array<{ id: string, title: string }> }
  airstrikeId = found.data.find((i) => i.title === 'Pakistani airstrikes in Afghanistan')!.id
  browser = (await launchChromium()).browser
  mkdirSync(screenshots, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
})

async function open (path: string, width = 1280, height = 900): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width, height } })
  const requests: string[] = []
  const consoleErrors: string[] = []
  context.on('request', (request) => { requests.push(request.url()) })
  const page = await context.newPage()
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()) })
  page.on('pageerror', (error) => { consoleErrors.push(`uncaught: ${error.message}`) })
  await page.addInitScript(() => {
    const seen: Array<{ directive: string, blocked: string, source: string }> = []
    Object.defineProperty(window, '__cspViolations', { value: seen })
    document.addEventListener('securitypolicyviolation', (e) => { seen.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile }) })
  })
  const response = await page.goto(`${origin}${path}`)
  expect(response?.status(), path).toBe(200)
  const violations = () => page.evaluate(() => (window as unknown as { __cspViolations: Violation[] }).__cspViolations)
  return { page, requests, consoleErrors, violations }
}

/** What every page must hold to: its own policy unbroken, this server alone, a quiet console. */
async function expectClean ({ requests, consoleErrors, violations }: Opened) {
  expect(await violations(), 'Content-Security-Policy violations').toEqual([])
  expect(requests.filter((url) => !url.startsWith(origin)), 'requests to another host').toEqual([])
  expect(consoleErrors, 'console errors').toEqual([])
}

async function expectAccessible (page: Page, label: string) {
  const results = await new AxeBuilder({ page }).analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  const minor = results.violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`)
  console.log(`axe on ${label}: ${results.passes.length} rules pass, ${bad.length} serious or critical, others: ${minor.join(', ') || 'none'}`)
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`)).toEqual([])
}

const incidentList = (page: Page) => page.locator('.incident-list li')

// The machine is shared: a page may take a few seconds to settle, far past expect.poll's default second.
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 })

describe('the explorer on the demo story', () => {
  it('when a reader filters to Afghanistan and opens the Pakistani airstrikes, then they see the figures, the confirmation and the denial', async () => {
    const opened = await open('/')
    const { page } = opened
    await incidentList(page).first().waitFor()
    const all = await (await fetch(`${origin}/v1/incidents?includeTotal=true`)).json() as { page: { total: number } }
    await poll(() => incidentList(page).count()).toBe(all.page.total)

    await page.getByLabel('Countries').fill('Afghanistan')
    await page.getByLabel('Countries').press('Enter')
    await page.locator('.chip', { hasText: 'Afghanistan' }).waitFor()
    expect(new URL(page.url()).searchParams.get('country')).toBe('AF')
    const afghan = await (await fetch(`${origin}/v1/incidents?country=AF`)).json() as { data: Array<{ title: string }> }
    expect(afghan.data.length).toBeLessThan(all.page.total)
    await poll(() => incidentList(page).locator('a').allInnerTexts()).toEqual(afghan.data.map((i) => i.title))

    // The chart and the downloads follow the filter.
    const stats = await (await fetch(`${origin}/v1/stats/incidents?country=AF&groupBy=month,type`)).json() as { data: unknown[] }
    await poll(() => page.locator('figure.stats rect').count()).toBe(stats.data.length)
    expect(await page.locator('a.download', { hasText: 'CSV' }).getAttribute('href')).toBe('/v1/incidents?country=AF&format=csv')
    expect(await page.locator('a.download', { hasText: 'GeoJSON' }).getAttribute('href')).toBe('/v1/incidents?country=AF&format=geojson')

    await incidentList(page).getByRole('link', { name: 'Pakistani airstrikes in Afghanistan' }).click()
    const incident = page.locator('article.incident')
    await incident.getByRole('heading', { name: /Pakistani airstrikes in Afghanistan/ }).waitFor()
    expect(new URL(page.url()).searchParams.get('incident')).toBe(airstrikeId)

    // The reported figure, by whom, with the roll-up drawn over it.
    const figure = incident.locator('.figure-row')
    await poll(() => figure.first().innerText()).toMatch(/Afghan Ministry of Defence: at least 3 · women, children/)
    expect(await incident.locator('.figure-group h4').innerText()).toContain('low 3, best 3, high 3')
    expect(await figure.first().locator('.rollup-best').count()).toBe(1)
    // Who did what, and on whose word.
    expect(await incident.locator('table.roles').innerText()).toMatch(/Tehrik-i-Taliban Pakistan\s+target\s+alleged by Pakistan/)
    // Pakistan's confirmation, in its own account.
    const pakistan = incident.locator('section.account', { has: page.getByRole('heading', { name: 'Pakistan', exact: true }) })
    expect(await pakistan.locator('.statement[data-kind="confirmation"]').innerText()).toContain('Pakistan confirmed its airstrikes')
    // The Taliban's denial, threaded under the accusation it answers.
    const denial = incident.locator('.statement[data-kind="accusation"] .replies .statement[data-kind="denial"]')
    expect(await denial.innerText()).toMatch(/Islamic Emirate of Afghanistan[\s\S]*The Taliban deny Pakistan’s claim/)
    expect(await incident.locator('.sources a').getAttribute('href')).toBe('https://news.example.com/world/asia/afghanistan-pakistan-exchange-deadly-fire')
    expect(await incident.locator('.related').innerText()).toContain('TTP attacks within Pakistan')

    await page.screenshot({ path: join(screenshots, 'explorer-1280.png'), fullPage: false })
    await expectAccessible(page, 'the incident view at 1280 px')
    await expectClean(opened)

    // The address holds the whole view: opening it again shows the same thing.
    const again = await open(new URL(page.url()).pathname + new URL(page.url()).search)
    await again.page.locator('article.incident h2', { hasText: 'Pakistani airstrikes in Afghanistan' }).waitFor()
    expect(await again.page.locator('.chip').allInnerTexts()).toEqual([expect.stringContaining('Afghanistan')])
    await expectClean(again)
    await page.context().close()
    await again.page.context().close()
  }, 60_000)

  it('when a reader opens the explorer with an empty browser cache, then the page marks its first render and the run prints how long it took', async () => {
    // The page marks its first render (performance.mark 'explorer-ready') when the matching
    // incidents are listed. One tab, its HTTP cache disabled, so every visit loads every byte again;
    // the first visit warms the server and the renderer, the median of the next five counts.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    const times: number[] = []
    for (let visit = 0; visit < 6; visit++) {
      await page.goto('about:blank')
      await page.goto(`${origin}/`)
      await incidentList(page).first().waitFor()
      const ms = await page.evaluate(() => performance.getEntriesByName('explorer-ready')[0]?.startTime)
      if (visit > 0) times.push(ms)
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]
    // The target (under 1 s on this machine) is a speed figure, printed here for the note,
    // not asserted: on the shared machines wall time stretches with whatever else runs.
    console.log(`explorer first render (navigation start → incidents listed, cache disabled): median ${Math.round(median)} ms of ${times.map(Math.round).join(', ')} ms; ` +
      `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`)
    expect(times.every((t) => t > 0)).toBe(true)
    await context.close()
  }, 60_000)

  it('when the page is 375 px wide, then nothing overflows sideways and the incident view comes first', async () => {
    const opened = await open(`/?country=AF&incident=${airstrikeId}`, 375, 812)
    const { page } = opened
    await page.locator('article.incident .figure-row').first().waitFor()
    await page.locator('.timeline .entry').first().waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    const incidentTop = (await page.locator('article.incident').boundingBox())!.y
    const mapTop = (await page.locator('.map').boundingBox())!.y
    expect(incidentTop).toBeLessThan(mapTop)
    await page.screenshot({ path: join(screenshots, 'explorer-375.png'), fullPage: false })
    await expectAccessible(page, 'the incident view at 375 px')
    await expectClean(opened)
    await page.context().close()
  }, 60_000)

  it('when a reader uses the keyboard, then the incidents are reachable and open with Enter, focus moving to the incident', async () => {
    const opened = await open('/')
    const { page } = opened
    await incidentList(page).first().waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the incidents')
    const link = incidentList(page).getByRole('link', { name: 'Pakistani airstrikes in Afghanistan' })
    await link.focus()
    await page.keyboard.press('Enter')
    await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('incident-title')
    await page.getByRole('button', { name: '← All incidents' }).press('Enter')
    await poll(() => page.locator('article.incident').count()).toBe(0)
    await expectAccessible(page, 'the explorer at 1280 px')
    await expectClean(opened)
    await page.context().close()
  }, 60_000)

  it('when a reader picks an actor from the suggestions and an attribution, then the list and the address follow', async () => {
    const opened = await open('/')
    const { page } = opened
    await incidentList(page).first().waitFor()
    const field = page.getByLabel('Actors')
    await field.fill('tali')
    // Suggested from GET /v1/actors?q= (aliases count: "Taliban" is the Islamic Emirate's alias).
    await poll(() => page.locator('#f-actor-options option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toContain('Islamic Emirate of Afghanistan')
    await field.press('Enter')
    await page.locator('.chip', { hasText: 'Islamic Emirate of Afghanistan' }).waitFor()
    const taliban = (await (await fetch(`${origin}/v1/actors?q=taliban`)).json() as { data: Array<{ id: string, name: string }> }).data.find((a) => a.name === 'Islamic Emirate of Afghanistan')!
    expect(new URL(page.url()).searchParams.get('actor')).toBe(taliban.id)
    await page.getByLabel('alleged').check()
    expect(new URL(page.url()).searchParams.get('attribution')).toBe('alleged')
    const expected = await (await fetch(`${origin}/v1/incidents?actor=${taliban.id}&attribution=alleged`)).json() as { data: Array<{ title: string }> }
    await poll(() => incidentList(page).locator('a').allInnerTexts()).toEqual(expected.data.map((i) => i.title))
    await page.getByRole('button', { name: 'Clear filters' }).click()
    expect(new URL(page.url()).search).toBe('')
    await expectClean(opened)
    await page.context().close()
  }, 60_000)

  it('when someone writes through the API, then the new incident and statement appear on the open page, marked new', async () => {
    const opened = await open('/')
    const { page } = opened
    await incidentList(page).first().waitFor()
    await page.locator('.live', { hasText: 'Live' }).waitFor()
    const before = await incidentList(page).count()

    const created = await t.http().post('/v1/incidents').set(t.auth('write')).send({
      type: 'shelling',
      title: 'Shelling reported near Torkham',
      occurredAt: new Date().toISOString(),
      datePrecision: 'day',
      countryCodes: ['AF'],
      location: { name: 'Torkham', admin1: 'Nangarhar', countryCode: 'AF', lat: 34.1, lon: 71.09, precision: 'near' }
    }).expect(201)
    const speaker = (await t.http().get('/v1/actors?q=pakistan').expect(200)).body.data[0].id as string
    await t.http().post('/v1/statements').set(t.auth('write')).send({
      speakerId: speaker,
      kind: 'denial',
      summary: 'Pakistan denies shelling near Torkham.',
      language: 'en',
      statedAt: new Date().toISOString(),
      incidentIds: [created.body.id]
    }).expect(201)

    const row = incidentList(page).filter({ hasText: 'Shelling reported near Torkham' })
    await row.waitFor({ timeout: 10_000 })
    expect(await row.locator('.badge.fresh').innerText()).toBe('New')
    expect(await incidentList(page).count()).toBe(before + 1)
    const entry = page.locator('.timeline .entry-statement', { hasText: 'Pakistan denies shelling near Torkham.' })
    await entry.waitFor({ timeout: 10_000 })
    expect(await entry.locator('.badge.fresh').innerText()).toBe('New')
    await expectClean(opened)
    await page.context().close()
  }, 60_000)
})

describe('the embeds', () => {
  let host: Server
  let hostOrigin: string
  beforeAll(async () => {
    // A newsroom page on another origin that frames both embeds.
    host = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(`<!doctype html><html lang="en"><title>newsroom</title><body>
        <iframe id="one" title="incident" width="600" height="700" src="${origin}/embed/incidents/${airstrikeId}"></iframe>
        <iframe id="tl" title="timeline" width="600" height="700" src="${origin}/embed/timeline?country=PK"></iframe></body></html>`)
    })
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
    // localhost and 127.0.0.1 are different origins to the browser.
    hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => host?.close(() => resolve())))

  it('when /embed/incidents/{id} is opened, then it shows the incident with its figures and a link back', async () => {
    const opened = await open(`/embed/incidents/${airstrikeId}`, 600, 800)
    const { page } = opened
    await page.locator('.figure-row').first().waitFor()
    expect(await page.locator('h2').first().innerText()).toContain('Pakistani airstrikes in Afghanistan')
    expect(await page.locator('.statement[data-kind="denial"]').count()).toBe(1)
    expect(await page.getByRole('link', { name: /Open in the sitrep explorer/ }).getAttribute('href')).toBe(`/?incident=${airstrikeId}`)
    await expectAccessible(page, 'the incident embed')
    await expectClean(opened)
    await page.context().close()
  }, 60_000)

  it('when /embed/timeline?country=PK is opened, then it lists that timeline and links back to the same view', async () => {
    const opened = await open('/embed/timeline?country=PK', 600, 800)
    const { page } = opened
    await page.locator('.entry').first().waitFor()
    const api = await (await fetch(`${origin}/v1/timeline?country=PK&limit=10`)).json() as { data: unknown[] }
    expect(await page.locator('.entry').count()).toBe(api.data.length)
    expect(await page.getByRole('link', { name: /Open in the sitrep explorer/ }).getAttribute('href')).toBe('/?country=PK')
    await expectAccessible(page, 'the timeline embed')
    await expectClean(opened)
    await page.context().close()
  }, 60_000)

  it('when the reader scrolls to the end of the timeline, then the next page loads', async () => {
    const opened = await open('/embed/timeline', 600, 800)
    const { page } = opened
    const all = await (await fetch(`${origin}/v1/timeline?limit=500`)).json() as { data: unknown[] }
    expect(all.data.length).toBeGreaterThan(10)
    await poll(() => page.locator('.entry').count()).toBe(10)
    await page.locator('.sentinel').scrollIntoViewIfNeeded()
    await poll(() => page.locator('.entry').count()).toBe(Math.min(20, all.data.length))
    await expectClean(opened)
    await page.context().close()
  }, 60_000)

  it('when another site frames the embeds, then both render inside its page', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
    await page.goto(hostOrigin)
    await page.frameLocator('#one').locator('.figure-row').first().waitFor()
    await page.frameLocator('#tl').locator('.entry').first().waitFor()
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)
})

describe('the bundle', () => {
  it('when the explorer is built, then its JavaScript stays within 200 kB gzipped', () => {
    const size = measureBundle()
    console.log(`explorer bundle: ${size.files} JavaScript files, ${(size.bytes / 1024).toFixed(1)} kB, ${(size.gzipBytes / 1024).toFixed(1)} kB gzipped`)
    expect(size.gzipBytes).toBeLessThanOrEqual(200 * 1024)
  })
})
