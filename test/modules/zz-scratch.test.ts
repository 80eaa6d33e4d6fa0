import { it } from 'vitest'
import { createTestApp } from '../helpers/app.ts'
import { createIncidentRepository } from '../../src/modules/incidents/repository.ts'
import { createIncidentSchema } from '../../src/modules/incidents/schemas.ts'

const t = await createTestApp()
it('scratch', async () => {
  const a = await t.http().post('/v1/actors').set(t.auth()).send({ name: 'Pak', kind: 'state' })
  const repo = createIncidentRepository(t.app.db)
  try {
    await repo.create(createIncidentSchema.parse({ type: 'airstrike', title: 'x', occurredAt: '2025-10-09T21:30:00Z', countryCodes: ['AF'], actors: [{ actorId: a.body.id, role: 'perpetrator' }] }), null)
  } catch (e) { console.log('ERR', e) }
})
