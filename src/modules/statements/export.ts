export const statementCsvColumns = [
  'id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'statedAt', 'datePrecision',
  'incidentIds', 'aboutActorIds', 'respondsToId', 'sourceIds', 'createdAt', 'updatedAt', 'version'
]
