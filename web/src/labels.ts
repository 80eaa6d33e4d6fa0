import type { CasualtyReport } from './types.ts'

export const incidentTypes = [
  'airstrike', 'drone_strike', 'shelling', 'armed_clash', 'cross_border_fire', 'militant_attack', 'bombing', 'raid',
  'ground_operation', 'arrest', 'protest', 'other', 'attack_on_civilians', 'abduction', 'sexual_violence', 'looting',
  'riot', 'ceasefire', 'agreement', 'negotiation', 'border_closure', 'displacement', 'policy_measure', 'territory_change'
] as const

export const attributions = ['confirmed', 'claimed', 'alleged'] as const

export const humanize = (value: string) => value.replace(/_/g, ' ')

// Families of types share a hue, so the map and the chart read at a glance: violence from the air
// red, ground fighting orange, attacks purple, talks and agreements green, civil unrest blue.
const family: Record<string, string> = {
  airstrike: '#c0392b',
  drone_strike: '#e74c3c',
  shelling: '#d35400',
  cross_border_fire: '#e67e22',
  armed_clash: '#b9770e',
  ground_operation: '#a04000',
  raid: '#935116',
  militant_attack: '#6c3483',
  bombing: '#8e44ad',
  attack_on_civilians: '#4a235a',
  abduction: '#7d3c98',
  sexual_violence: '#5b2c6f',
  looting: '#76448a',
  arrest: '#1f618d',
  protest: '#2874a6',
  riot: '#1a5276',
  ceasefire: '#1e8449',
  agreement: '#239b56',
  negotiation: '#117a65',
  border_closure: '#566573',
  displacement: '#2e4053',
  policy_measure: '#616a6b',
  territory_change: '#7b7d7d',
  other: '#626567'
}

export const typeColor = (type: string) => family[type] ?? '#626567'

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' })

export const countryName = (code: string) => regionNames.of(code) ?? code

/** Every ISO 3166-1 alpha-2 code the browser can name (its ICU data), for the country picker. */
export function knownCountries (): Array<{ code: string, name: string }> {
  const out: Array<{ code: string, name: string }> = []
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b)
      const name = regionNames.of(code)
      // Reserved and user-assigned codes (XA…XZ, ZZ, EU, UN…) name groupings, not countries.
      if (name && name !== code && !/^(X|Z|Q[M-Z]|AA|EU|EZ|UN)/.test(code)) out.push({ code, name })
    }
  }
  return out.sort((x, y) => x.name.localeCompare(y.name))
}

const dateFormats: Record<string, Intl.DateTimeFormatOptions> = {
  exact: { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' },
  day: { dateStyle: 'medium', timeZone: 'UTC' },
  week: { dateStyle: 'medium', timeZone: 'UTC' },
  month: { year: 'numeric', month: 'long', timeZone: 'UTC' },
  year: { year: 'numeric', timeZone: 'UTC' }
}

/** A date only as precise as the record says it is: a year-precision date prints as "2025". */
export function formatDate (iso: string, precision = 'day'): string {
  const text = new Intl.DateTimeFormat('en-GB', dateFormats[precision] ?? dateFormats.day).format(new Date(iso))
  return precision === 'week' ? `week of ${text}` : text
}

/** "at least 3", "2–5", "about 40", "multiple (≥ 2)". */
export function figureText (r: Pick<CasualtyReport, 'min' | 'max' | 'qualifier' | 'phrase'>): string {
  switch (r.qualifier) {
    case 'exact': return String(r.min)
    case 'at_least': return `at least ${r.min}`
    case 'at_most': return `at most ${r.max ?? r.min}`
    case 'approximately': return `about ${r.min}`
    case 'range': return `${r.min}–${r.max ?? r.min}`
    case 'unquantified': return r.phrase ? `“${r.phrase}” (≥ ${r.min})` : `unquantified (≥ ${r.min})`
    default: return r.max !== null && r.max !== r.min ? `${r.min}–${r.max}` : String(r.min)
  }
}
