import type { Tx } from '../../plugins/database.ts'

export type Entity = 'actor' | 'source' | 'incident' | 'casualtyReport' | 'statement'

export interface ChangeInput {
  entity: Entity
  id: string
  action: 'created' | 'updated' | 'deleted'
  version: number
  before: object | null
  after: object | null
  keyName: string | null
}

// Called inside the write's own transaction, so a change is recorded exactly when the write commits.
export async function recordChange (tx: Tx, c: ChangeInput) {
  await tx.change.create({
    data: {
      entity: c.entity,
      entityId: c.id,
      action: c.action,
      version: c.version,
      before: (c.before ?? undefined) as object | undefined,
      after: (c.after ?? undefined) as object | undefined,
      keyName: c.keyName
    }
  })
}
