// CSV columns of the casualty ledger: every field of a report; sourceIds and groups joined with ";".
export const casualtyCsvColumns = [
  'id', 'incidentId', 'reportedById', 'affectedActorId', 'category', 'min', 'max', 'qualifier', 'phrase', 'groups', 'note',
  'sourceIds', 'reportedAt', 'createdAt', 'updatedAt', 'version'
]
