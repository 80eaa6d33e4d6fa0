import { Problem } from '../../http/problems.ts'

// The write rules of a source, shared by the single writes (repository.ts) and the import (imports/judge.ts).

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

/** The 409 for a URL that a live source already has. */
export const urlConflict = (clash: { id: string, url: string }) =>
  new Problem('conflict', `A source with this URL already exists (id ${clash.id})`, { existing: { id: clash.id, url: clash.url } })

/** The columns of a new source, under its normalised URL. */
export const sourceColumns = <T extends { publishedAt: string | null }>(input: T, url: string) =>
  ({ ...input, url, publishedAt: input.publishedAt ? new Date(input.publishedAt) : null })
