// The explorer's whole view lives in the address bar, so a link reproduces it. Names and formats are
// the API's own filter parameters (comma lists, ISO dates), so a view's URL reads like its API query.

export interface Filters {
  from: string
  to: string
  country: string[]
  type: string[]
  actor: string[]
  attribution: string[]
  q: string
}

export interface ViewState { filters: Filters, incident: string | null }

export const emptyFilters: Filters = { from: '', to: '', country: [], type: [], actor: [], attribution: [], q: '' }

const list = (value: string | null) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [])

export function parseView (search: string): ViewState {
  const p = new URLSearchParams(search)
  return {
    filters: {
      from: p.get('from') ?? '',
      to: p.get('to') ?? '',
      country: list(p.get('country')).map((c) => c.toUpperCase()),
      type: list(p.get('type')),
      actor: list(p.get('actor')),
      attribution: list(p.get('attribution')),
      q: p.get('q') ?? ''
    },
    incident: p.get('incident')
  }
}

export function filterQuery (f: Filters): Record<string, string> {
  const q: Record<string, string> = {}
  if (f.from) q.from = f.from
  if (f.to) q.to = f.to
  if (f.country.length) q.country = f.country.join(',')
  if (f.type.length) q.type = f.type.join(',')
  if (f.actor.length) q.actor = f.actor.join(',')
  if (f.attribution.length) q.attribution = f.attribution.join(',')
  if (f.q) q.q = f.q
  return q
}

/** The timeline filters by dates, countries and actors only (GET /v1/timeline's parameters). */
export function timelineQuery (f: Filters): Record<string, string> {
  const { from, to, country, actor } = filterQuery(f)
  return Object.fromEntries(Object.entries({ from, to, country, actor }).filter(([, v]) => v !== undefined)) as Record<string, string>
}

export function viewSearch (view: ViewState): string {
  const params = new URLSearchParams(filterQuery(view.filters))
  if (view.incident) params.set('incident', view.incident)
  // Commas may stand unescaped in a query, and `country=AF,PK` reads like the API's own lists.
  const s = params.toString().replace(/%2C/gi, ',')
  return s ? `?${s}` : ''
}
