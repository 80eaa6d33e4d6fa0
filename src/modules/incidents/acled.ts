import type { IncidentType } from '../../generated/prisma/enums.ts'

export interface AcledCategory { eventType: string, subEventType: string }

const battle = { eventType: 'Battles', subEventType: 'Armed clash' }

// Our incident types in ACLED's event taxonomy, so analysts can join the two datasets.
export const acledCrosswalk: Record<IncidentType, AcledCategory> = {
  airstrike: { eventType: 'Explosions/Remote violence', subEventType: 'Air/drone strike' },
  drone_strike: { eventType: 'Explosions/Remote violence', subEventType: 'Air/drone strike' },
  shelling: { eventType: 'Explosions/Remote violence', subEventType: 'Shelling/artillery/missile attack' },
  armed_clash: battle,
  cross_border_fire: battle,
  // Armed groups attacking security forces is an armed clash in ACLED's coding.
  militant_attack: battle,
  bombing: { eventType: 'Explosions/Remote violence', subEventType: 'Remote explosive/landmine/IED' },
  raid: battle,
  ground_operation: battle,
  arrest: { eventType: 'Strategic developments', subEventType: 'Arrests' },
  protest: { eventType: 'Protests', subEventType: 'Peaceful protest' },
  other: { eventType: 'Strategic developments', subEventType: 'Other' }
}
