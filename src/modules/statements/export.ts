export const statementCsvColumns = [
  'id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'channel', 'place', 'originalQuote', 'originalLanguage', 'statedAt', 'datePrecision',
  'incidentIds', 'aboutActorIds', 'respondsToId', 'sourceIds', 'createdAt', 'updatedAt', 'version'
]
