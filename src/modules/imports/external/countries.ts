import countries from 'i18n-iso-countries'
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' }

countries.registerLocale(en)

// UCDP GED's country names that the ISO short names do not cover (the parenthesised former name is dropped first).
const ucdpNames: Record<string, string> = {
  syria: 'SY',
  'dr congo': 'CD',
  'bosnia-herzegovina': 'BA',
  'kingdom of eswatini': 'SZ',
  laos: 'LA',
  moldova: 'MD',
  'macedonia, fyr': 'MK',
  'east timor': 'TL',
  brunei: 'BN',
  micronesia: 'FM'
}

/** ISO 3166-1 alpha-2 of an ISO numeric code (ACLED's `iso`), or null. */
export function alpha2OfNumeric (code: string): string | null {
  if (!/^\d{1,3}$/.test(code)) return null
  return countries.numericToAlpha2(code.padStart(3, '0')) ?? null
}

/** ISO 3166-1 alpha-2 of an English country name as ACLED and UCDP spell them, or null. */
export function alpha2OfName (name: string): string | null {
  const plain = name.replace(/\s*\(.*\)\s*$/, '').trim()
  return ucdpNames[plain.toLowerCase()] ?? countries.getAlpha2Code(plain, 'en') ?? countries.getSimpleAlpha2Code(plain, 'en') ?? null
}
