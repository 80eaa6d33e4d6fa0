// The soak's request mix: what newsroom pages, analysts and editors send, about 1 write in 5.
// Every connection cycles through the list; ids and names are drawn afresh for each request.

export interface Samples { incidents: string[], statements: string[], actors: string[], sources: string[] }

interface SoakRequest {
  name: string
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  headers: Record<string, string>
  body?: string
  setupRequest: (req: any, context: object) => any
}

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]
let serial = 0
const unique = () => `${process.pid}-${Date.now().toString(36)}-${serial++}`

export function soakRequests (s: Samples, key: string): SoakRequest[] {
  const auth = { authorization: `Bearer ${key}` }
  const get = (name: string, path: () => string): SoakRequest =>
    ({ name, method: 'GET', path: path(), headers: {}, setupRequest: (req) => ({ ...req, path: path() }) })
  const write = (name: string, method: 'POST' | 'PATCH', type: string, path: () => string, body: () => object): SoakRequest => ({
    name,
    method,
    path: path(),
    headers: { ...auth, 'content-type': type },
    body: JSON.stringify(body()),
    setupRequest: (req) => ({ ...req, path: path(), body: JSON.stringify(body()) })
  })
  const now = () => new Date().toISOString()

  return [
    get('list incidents', () => '/v1/incidents?limit=50'),
    get('read incident', () => `/v1/incidents/${pick(s.incidents)}`),
    get('filter incidents', () => `/v1/incidents?type=${pick(['airstrike', 'shelling', 'armed_clash', 'protest'])}&country=${pick(['AF', 'PK', 'SY', 'UA'])}&limit=50`),
    write('create actor', 'POST', 'application/json', () => '/v1/actors', () => ({ name: `Soak actor ${unique()}`, kind: 'armed_group', countryCode: 'AF' })),
    get('timeline', () => '/v1/timeline?limit=50'),
    get('read incident with includes', () => `/v1/incidents/${pick(s.incidents)}?include=actors,casualties,sources`),
    get('list statements', () => `/v1/statements?kind=${pick(['claim', 'denial', 'condemnation'])}&limit=50`),
    write('create incident', 'POST', 'application/json', () => '/v1/incidents', () => ({
      type: 'shelling',
      title: `Soak incident ${unique()}`,
      occurredAt: now(),
      countryCodes: ['AF'],
      actors: [{ actorId: pick(s.actors), role: 'perpetrator' }],
      sourceIds: [pick(s.sources)]
    })),
    get('read statement', () => `/v1/statements/${pick(s.statements)}`),
    get('incident statements', () => `/v1/incidents/${pick(s.incidents)}/statements`),
    get('search actors', () => `/v1/actors?q=${pick(['tal', 'pak', 'afg', 'army', 'min'])}&limit=20`),
    write('patch incident', 'PATCH', 'application/merge-patch+json', () => `/v1/incidents/${pick(s.incidents)}`, () => ({ summary: `Updated by the soak at ${now()}` })),
    get('full-text incidents', () => `/v1/incidents?q=${pick(['strike', 'border', 'militants', 'civilians'])}&limit=20`),
    get('actor incidents', () => `/v1/actors/${pick(s.actors)}/incidents?limit=20`),
    get('stats', () => `/v1/stats/incidents?groupBy=${pick(['type', 'country', 'month'])}&from=2025-01-01`),
    write('create statement', 'POST', 'application/json', () => '/v1/statements', () => ({
      speakerId: pick(s.actors), kind: 'claim', summary: `Soak statement ${unique()}`, language: 'en', statedAt: now(), incidentIds: [pick(s.incidents)]
    })),
    get('change feed', () => '/v1/changes?limit=100'),
    get('timeline by country', () => `/v1/timeline?country=${pick(['AF', 'PK'])}&limit=50`),
    get('read actor', () => `/v1/actors/${pick(s.actors)}`),
    get('accounts', () => `/v1/incidents/${pick(s.incidents)}/accounts`)
  ]
}
