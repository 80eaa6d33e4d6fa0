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

// ACLED's sub-event types that no type of ours is cross-walked to, and the type each comes in as.
const acledOnly: Record<string, IncidentType> = {
  'Battles|Government regains territory': 'territory_change',
  'Battles|Non-state actor overtakes territory': 'territory_change',
  'Explosions/Remote violence|Suicide bomb': 'bombing',
  'Explosions/Remote violence|Grenade': 'bombing',
  'Explosions/Remote violence|Chemical weapon': 'other',
  'Protests|Protest with intervention': 'protest',
  'Protests|Excessive force against protesters': 'protest',
  'Riots|Mob violence': 'riot',
  'Strategic developments|Change to group/activity': 'other',
  'Strategic developments|Disrupted weapons use': 'other',
  'Strategic developments|Headquarters or base established': 'other',
  // Several of our types are filed under ACLED's "Agreement"; the general one comes back.
  'Strategic developments|Agreement': 'agreement'
}

/**
 * The reverse cross-walk: the type an ACLED event comes in as, from its event and sub-event type
 * (the codebook's wording, compared ignoring case), or null when ACLED's taxonomy has no such pair.
 * Of our types that share a pair, the first in acledCrosswalk's order stands (airstrike before drone_strike,
 * armed_clash before the others ACLED codes as an armed clash).
 */
export const acledReverseCrosswalk: ReadonlyMap<string, IncidentType> = (() => {
  const reverse = new Map<string, IncidentType>()
  for (const [pair, type] of Object.entries(acledOnly)) reverse.set(pair.toLowerCase(), type)
  for (const [type, c] of Object.entries(acledCrosswalk) as Array<[IncidentType, AcledCategory]>) {
    const pair = `${c.eventType}|${c.subEventType}`.toLowerCase()
    if (!reverse.has(pair)) reverse.set(pair, type)
  }
  return reverse
})()

export const typeOfAcled = (eventType: string, subEventType: string): IncidentType | null =>
  acledReverseCrosswalk.get(`${eventType.trim()}|${subEventType.trim()}`.toLowerCase()) ?? null
