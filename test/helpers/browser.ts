import { existsSync } from 'node:fs'
import sparticuz from '@sparticuz/chromium'
import { chromium, type Browser } from 'playwright-core'

// The browser tests need a Chromium that `npm install` alone provides: @sparticuz/chromium ships a
// headless Linux x64 build inside the npm package (unpacked to the temp directory on first use). A
// machine with its own Chromium (or another platform) sets CHROMIUM_PATH instead.
//
// Only --no-sandbox (these machines run as root). The package's recommended flags are for
// serverless hosts and include --disable-web-security, which has no place in a test that judges
// the page's security policy.

export interface LaunchedBrowser { browser: Browser, executablePath: string }

export async function launchChromium (): Promise<LaunchedBrowser> {
  const configured = process.env.CHROMIUM_PATH || undefined
  if (configured !== undefined && !existsSync(configured)) {
    throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist: point it at a Chromium binary, or unset it to use the one from @sparticuz/chromium`)
  }
  if (configured === undefined && `${process.platform}-${process.arch}` !== 'linux-x64') {
    throw new Error(`@sparticuz/chromium ships a Linux x64 build only; on ${process.platform}-${process.arch} set CHROMIUM_PATH to a Chrome or Chromium binary`)
  }
  const executablePath = configured ?? await sparticuz.executablePath()
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] })
  return { browser, executablePath }
}
