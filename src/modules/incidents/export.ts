import type { IncidentView } from './schemas.ts'

// CSV columns: every flat field of an incident, nested ones dotted, including the ACLED cross-walk.
export const incidentCsvColumns = [
  'id', 'type', 'title', 'summary', 'status', 'occurredAt', 'endedAt', 'datePrecision', 'countryCodes',
  'location.name', 'location.admin1', 'location.countryCode', 'location.lat', 'location.lon', 'location.precision',
  'actors', 'tags', 'sourceIds', 'relations', 'fatalities.low', 'fatalities.best', 'fatalities.high', 'contested',
  'externalIds.acled', 'externalIds.ucdp', 'externalIds.gdelt', 'acled.disorderType', 'acled.eventType', 'acled.subEventType', 'createdAt', 'updatedAt', 'version'
]

export const incidentPoint = (i: IncidentView): [number, number] | null => (i.location ? [i.location.lon, i.location.lat] : null)
