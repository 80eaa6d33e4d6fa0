import { prefetch } from './api.ts'
import { filterQuery, parseView } from './state.ts'

// Imported first by main.tsx, so the incident list is on its way while the rest of the code (the
// map library, the components) is still being evaluated. Same URL as the app's first read.
export const MAP_LIMIT = 500

prefetch('/v1/incidents', { ...filterQuery(parseView(location.search).filters), limit: MAP_LIMIT, includeTotal: true })
