// Query parameters that identify a campaign or a click, not the document.
const trackingParams = new Set(['fbclid', 'gclid', 'dclid', 'msclkid', 'mc_cid', 'mc_eid', 'igshid', 'yclid', '_ga', '_gl', 'ref_src', 'cmpid', 'ocid'])

/** The canonical form under which a URL is unique: lower-case host, no fragment, no tracking parameters. */
export function normaliseUrl (input: string): string | null {
  let url: URL
  try {
    url = new URL(input.trim())
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (!url.hostname) return null
  url.hash = ''
  for (const name of [...url.searchParams.keys()]) {
    if (/^utm_/i.test(name) || trackingParams.has(name.toLowerCase())) url.searchParams.delete(name)
  }
  return url.toString()
}
