import countries from 'i18n-iso-countries'
import english from 'i18n-iso-countries/langs/en.json' with { type: 'json' }

countries.registerLocale(english)

// ACLED's regions, by ISO 3166-1 alpha-2 code of the countries its codebook files under each.
const regions: Record<string, string> = {
  'Western Africa': 'BJ BF CV CI GM GH GN GW LR ML MR NE NG SN SL TG SH',
  'Middle Africa': 'AO CM CF TD CG CD GQ GA ST',
  'Eastern Africa': 'BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS TZ UG ZM ZW',
  'Southern Africa': 'BW LS NA ZA SZ',
  'Northern Africa': 'DZ EG LY MA SD TN EH',
  'South Asia': 'AF BD BT IN MV NP PK LK',
  'Southeast Asia': 'BN KH ID LA MY MM PH SG TH TL VN',
  'East Asia': 'CN HK JP KP KR MN MO TW',
  'Middle East': 'BH IR IQ IL JO KW LB OM PS QA SA SY TR AE YE',
  'Caucasus and Central Asia': 'AM AZ GE KZ KG TJ TM UZ',
  Europe: 'AL AD AT AX BY BE BA BG HR CY CZ DK EE FO FI FR DE GI GR GG HU IS IE IM IT JE XK LV LI LT LU MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH UA GB VA SJ',
  'North America': 'US CA GL BM PM',
  'Central America': 'BZ CR SV GT HN MX NI PA',
  Caribbean: 'AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI',
  'South America': 'AR BO BR CL CO EC FK GF GY PY PE SR UY VE',
  Oceania: 'AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV UM VU WF CX CC',
  Antarctica: 'AQ BV TF HM GS IO'
}

const regionOf = new Map(Object.entries(regions).flatMap(([region, codes]) => codes.split(' ').map((code) => [code, region])))

// Where ACLED's country names differ from the ISO short names.
const acledNames: Record<string, string> = {
  BO: 'Bolivia',
  BN: 'Brunei',
  CD: 'Democratic Republic of Congo',
  CG: 'Republic of Congo',
  CI: 'Ivory Coast',
  CV: 'Cape Verde',
  CZ: 'Czech Republic',
  FM: 'Micronesia',
  GB: 'United Kingdom',
  IR: 'Iran',
  KP: 'North Korea',
  KR: 'South Korea',
  LA: 'Laos',
  MD: 'Moldova',
  MK: 'North Macedonia',
  PS: 'Palestine',
  RU: 'Russia',
  SY: 'Syria',
  SZ: 'eSwatini',
  TL: 'East Timor',
  TR: 'Turkey',
  TZ: 'Tanzania',
  US: 'United States',
  VA: 'Vatican City',
  VE: 'Venezuela',
  VN: 'Vietnam',
  XK: 'Kosovo'
}

/** A country as ACLED codes it: its ISO 3166-1 numeric code, its name and ACLED's region (empty when unknown). */
export function acledCountry (code: string | null | undefined) {
  if (!code) return { iso: null, country: '', region: '' }
  const numeric = countries.alpha2ToNumeric(code)
  return {
    iso: numeric ? Number(numeric) : null,
    country: acledNames[code] ?? countries.getName(code, 'en') ?? code,
    region: regionOf.get(code) ?? ''
  }
}
