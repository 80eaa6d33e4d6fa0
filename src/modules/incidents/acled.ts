import type { IncidentType } from '../../generated/prisma/enums.ts'

/** ACLED's disorder types, in its codebook's wording. */
export const acledDisorderTypes = ['Political violence', 'Demonstrations', 'Strategic developments', 'Political violence; Demonstrations'] as const

export interface AcledCategory { disorderType: typeof acledDisorderTypes[number], eventType: string, subEventType: string }

const violence = 'Political violence'
const strategic = 'Strategic developments'
const battle = { disorderType: violence, eventType: 'Battles', subEventType: 'Armed clash' } as const
const airStrike = { disorderType: violence, eventType: 'Explosions/Remote violence', subEventType: 'Air/drone strike' } as const
const againstCivilians = (subEventType: string) => ({ disorderType: violence, eventType: 'Violence against civilians', subEventType }) as const
const development = (subEventType: string) => ({ disorderType: strategic, eventType: strategic, subEventType }) as const

// Our incident types in ACLED's event taxonomy (its codebook's wording), so analysts can join the two datasets.
export const acledCrosswalk: Record<IncidentType, AcledCategory> = {
  airstrike: airStrike,
  drone_strike: airStrike,
  shelling: { disorderType: violence, eventType: 'Explosions/Remote violence', subEventType: 'Shelling/artillery/missile attack' },
  armed_clash: battle,
  cross_border_fire: battle,
  // Armed groups attacking security forces is an armed clash in ACLED's coding.
  militant_attack: battle,
  bombing: { disorderType: violence, eventType: 'Explosions/Remote violence', subEventType: 'Remote explosive/landmine/IED' },
  raid: battle,
  ground_operation: battle,
  arrest: development('Arrests'),
  protest: { disorderType: 'Demonstrations', eventType: 'Protests', subEventType: 'Peaceful protest' },
  other: development('Other'),
  attack_on_civilians: againstCivilians('Attack'),
  abduction: againstCivilians('Abduction/forced disappearance'),
  sexual_violence: againstCivilians('Sexual violence'),
  looting: development('Looting/property destruction'),
  // ACLED files a violent demonstration under the Demonstrations disorder, not under political violence.
  riot: { disorderType: 'Demonstrations', eventType: 'Riots', subEventType: 'Violent demonstration' },
  ceasefire: development('Agreement'),
  agreement: development('Agreement'),
  negotiation: development('Other'),
  border_closure: development('Other'),
  displacement: development('Other'),
  policy_measure: development('Other'),
  territory_change: development('Non-violent transfer of territory')
}
