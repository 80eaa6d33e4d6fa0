import countries from 'i18n-iso-countries'
import english from 'i18n-iso-countries/langs/en.json' with { type: 'json' }

countries.registerLocale(english)

// ACLED's 17 regions and the countries it files under each (ISO 3166-1 alpha-2), from ACLED's own country
// table (the `acled_countries` data of its R package acledR, 243 countries).
const regions: Record<string, string> = {
  Antarctica: 'AQ',
  Caribbean: 'AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI',
  'Caucasus and Central Asia': 'AF AM AZ GE KG KZ TJ TM UZ',
  'Central America': 'BZ CR GT HN NI PA SV',
  'East Asia': 'CN JP KP KR MN TW',
  'Eastern Africa': 'BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TZ UG YT',
  Europe: 'AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GL GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SK SM UA VA XK',
  'Middle Africa': 'AO CD CF CG CM GA GQ ST TD',
  'Middle East': 'AE BH IL IQ IR JO KW LB OM PS QA SA SY TR YE',
  'North America': 'BM CA MX PM US',
  'Northern Africa': 'DZ EG LY MA SD TN',
  Oceania: 'AS AU CC CK CX FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS',
  'South America': 'AR BO BR CL CO EC FK GF GS GY PE PY SR UY VE',
  'South Asia': 'BD BT IN LK MV NP PK',
  'Southeast Asia': 'BN ID KH LA MM MY PH SG TH TL VN',
  'Southern Africa': 'BW LS NA SH SZ ZA ZM ZW',
  'Western Africa': 'BF BJ CI CV GH GM GN GW LR ML MR NE NG SL SN TG'
}

const regionOf = new Map(Object.entries(regions).flatMap(([region, codes]) => codes.split(' ').map((code) => [code, region])))

// Where ACLED's country names differ from the ISO short names.
const acledNames: Record<string, string> = {
  BL: 'Saint-Barthelemy',
  BN: 'Brunei',
  BQ: 'Caribbean Netherlands',
  CD: 'Democratic Republic of Congo',
  CG: 'Republic of Congo',
  CI: 'Ivory Coast',
  CN: 'China',
  CW: 'Curacao',
  FK: 'Falkland Islands',
  FM: 'Micronesia',
  GG: 'Bailiwick of Guernsey',
  GM: 'Gambia',
  IR: 'Iran',
  JE: 'Bailiwick of Jersey',
  LA: 'Laos',
  MD: 'Moldova',
  MF: 'Saint-Martin',
  MK: 'North Macedonia',
  PS: 'Palestine',
  RU: 'Russia',
  SH: 'Saint Helena, Ascension and Tristan da Cunha',
  SX: 'Sint Maarten',
  SY: 'Syria',
  SZ: 'eSwatini',
  TL: 'East Timor',
  TR: 'Turkey',
  TW: 'Taiwan',
  TZ: 'Tanzania',
  US: 'United States',
  VA: 'Vatican City',
  VG: 'British Virgin Islands'
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
