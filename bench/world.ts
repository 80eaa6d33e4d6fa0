// Static vocabulary of the synthetic data set (bench/generate.ts): countries with towns, the
// well-known actors of each conflict, publishers and word lists. Listed order is popularity
// order: the generator draws from these lists with Zipf-like weights, so the first entries
// dominate as they do in real conflict data.

import type { ActorKind, IncidentType, SourceKind } from '../src/generated/prisma/enums.ts'

/** name, admin1, lat, lon */
export type Town = [string, string, number, number]
/** name, kind, home country when it differs from the conflict's country */
export type NamedActor = [string, ActorKind, string?]

export interface Country {
  code: string
  name: string
  /** relative share of all incidents */
  weight: number
  centre: [number, number]
  towns: Town[]
  actors: NamedActor[]
  /** countries that incidents here sometimes spill into (cross-border) */
  neighbours?: string[]
}

export const countries: Country[] = [
  {
    code: 'UA',
    name: 'Ukraine',
    weight: 18,
    centre: [48.4, 31.2],
    neighbours: ['RU'],
    towns: [['Donetsk', 'Donetsk', 48.0, 37.8], ['Kharkiv', 'Kharkiv', 49.99, 36.23], ['Zaporizhzhia', 'Zaporizhzhia', 47.84, 35.14],
      ['Kherson', 'Kherson', 46.64, 32.61], ['Pokrovsk', 'Donetsk', 48.28, 37.18], ['Bakhmut', 'Donetsk', 48.6, 38.0],
      ['Kyiv', 'Kyiv', 50.45, 30.52], ['Odesa', 'Odesa', 46.48, 30.72], ['Sumy', 'Sumy', 50.91, 34.8], ['Avdiivka', 'Donetsk', 48.14, 37.74]],
    actors: [['Russian Armed Forces', 'military', 'RU'], ['Armed Forces of Ukraine', 'military'], ['Wagner Group', 'armed_group', 'RU']]
  },
  {
    code: 'AF',
    name: 'Afghanistan',
    weight: 14,
    centre: [33.9, 67.7],
    neighbours: ['PK', 'IR'],
    towns: [['Kabul', 'Kabul', 34.53, 69.17], ['Kandahar', 'Kandahar', 31.61, 65.71], ['Jalalabad', 'Nangarhar', 34.43, 70.45],
      ['Khost', 'Khost', 33.34, 69.92], ['Herat', 'Herat', 34.35, 62.2], ['Kunduz', 'Kunduz', 36.73, 68.86],
      ['Sharana', 'Paktika', 33.18, 68.73], ['Lashkar Gah', 'Helmand', 31.59, 64.37], ['Mazar-i-Sharif', 'Balkh', 36.71, 67.11]],
    actors: [['Taliban', 'government'], ['Islamic State Khorasan Province', 'armed_group'], ['Pakistan Armed Forces', 'military', 'PK'],
      ['National Resistance Front', 'armed_group'], ['Afghanistan Freedom Front', 'armed_group']]
  },
  {
    code: 'SY',
    name: 'Syria',
    weight: 12,
    centre: [35.0, 38.5],
    neighbours: ['IQ', 'LB', 'TR'],
    towns: [['Idlib', 'Idlib', 35.93, 36.63], ['Aleppo', 'Aleppo', 36.2, 37.13], ['Deir ez-Zor', 'Deir ez-Zor', 35.33, 40.14],
      ['Damascus', 'Damascus', 33.51, 36.29], ['Homs', 'Homs', 34.73, 36.71], ['Raqqa', 'Raqqa', 35.95, 39.01], ['Daraa', 'Daraa', 32.62, 36.1]],
    actors: [['Syrian Arab Army', 'military'], ['Hayat Tahrir al-Sham', 'armed_group'], ['Russian Aerospace Forces', 'military', 'RU'],
      ['Syrian Democratic Forces', 'armed_group'], ['Islamic State', 'armed_group'], ['Turkish Armed Forces', 'military', 'TR'],
      ['Israel Defense Forces', 'military', 'IL']]
  },
  {
    code: 'PK',
    name: 'Pakistan',
    weight: 9,
    centre: [30.4, 69.3],
    neighbours: ['AF', 'IN'],
    towns: [['Peshawar', 'Khyber Pakhtunkhwa', 34.01, 71.58], ['Quetta', 'Balochistan', 30.18, 67.0], ['Miranshah', 'Khyber Pakhtunkhwa', 33.0, 70.07],
      ['Bannu', 'Khyber Pakhtunkhwa', 32.99, 70.6], ['Chaman', 'Balochistan', 30.92, 66.45], ['Karachi', 'Sindh', 24.86, 67.01], ['Lahore', 'Punjab', 31.55, 74.34]],
    actors: [['Pakistan Armed Forces', 'military'], ['Tehrik-i-Taliban Pakistan', 'armed_group'], ['Balochistan Liberation Army', 'armed_group'],
      ['Taliban', 'government', 'AF']]
  },
  {
    code: 'SD',
    name: 'Sudan',
    weight: 8,
    centre: [15.5, 30.2],
    neighbours: ['TD', 'SS'],
    towns: [['Khartoum', 'Khartoum', 15.5, 32.56], ['El Fasher', 'North Darfur', 13.63, 25.35], ['Omdurman', 'Khartoum', 15.64, 32.48],
      ['Nyala', 'South Darfur', 12.05, 24.88], ['El Geneina', 'West Darfur', 13.45, 22.45], ['Wad Madani', 'Gezira', 14.4, 33.52], ['El Obeid', 'North Kordofan', 13.18, 30.22]],
    actors: [['Rapid Support Forces', 'armed_group'], ['Sudanese Armed Forces', 'military'], ['SPLM-North', 'armed_group']]
  },
  {
    code: 'YE',
    name: 'Yemen',
    weight: 7,
    centre: [15.6, 47.6],
    neighbours: ['SA'],
    towns: [['Marib', 'Marib', 15.46, 45.32], ['Taiz', 'Taiz', 13.58, 44.02], ['Sanaa', 'Sanaa', 15.37, 44.19], ['Hodeidah', 'Hodeidah', 14.8, 42.95],
      ['Saada', 'Saada', 16.94, 43.76], ['Aden', 'Aden', 12.79, 45.04]],
    actors: [['Houthis', 'armed_group'], ['Yemeni Government Forces', 'military'], ['Saudi-led Coalition', 'military', 'SA'],
      ['United States Armed Forces', 'military', 'US'], ['Southern Transitional Council', 'political_party'], ['AQAP', 'armed_group']]
  },
  {
    code: 'MM',
    name: 'Myanmar',
    weight: 6,
    centre: [21.9, 95.9],
    neighbours: ['TH'],
    towns: [['Sagaing', 'Sagaing', 21.88, 95.98], ['Mandalay', 'Mandalay', 21.97, 96.08], ['Lashio', 'Shan', 22.93, 97.75],
      ['Myawaddy', 'Kayin', 16.69, 98.51], ['Sittwe', 'Rakhine', 20.15, 92.9], ['Yangon', 'Yangon', 16.87, 96.2]],
    actors: [['Myanmar Armed Forces', 'military'], ["People's Defence Force", 'armed_group'], ['Arakan Army', 'armed_group'],
      ['Myanmar National Democratic Alliance Army', 'armed_group']]
  },
  {
    code: 'PS',
    name: 'Palestine',
    weight: 5,
    centre: [31.9, 35.2],
    neighbours: ['IL', 'EG'],
    towns: [['Gaza City', 'Gaza', 31.5, 34.47], ['Khan Younis', 'Gaza', 31.34, 34.31], ['Rafah', 'Gaza', 31.29, 34.25],
      ['Jenin', 'West Bank', 32.46, 35.3], ['Nablus', 'West Bank', 32.22, 35.26]],
    actors: [['Israel Defense Forces', 'military', 'IL'], ['Hamas', 'armed_group'], ['Palestinian Islamic Jihad', 'armed_group']]
  },
  {
    code: 'SO',
    name: 'Somalia',
    weight: 5,
    centre: [5.2, 46.2],
    neighbours: ['KE', 'ET'],
    towns: [['Mogadishu', 'Banadir', 2.05, 45.32], ['Baidoa', 'Bay', 3.12, 43.65], ['Kismayo', 'Lower Juba', -0.36, 42.55], ['Beledweyne', 'Hiraan', 4.74, 45.2]],
    actors: [['Al-Shabaab', 'armed_group'], ['Somali National Army', 'military'], ['African Union Mission in Somalia', 'international_org'],
      ['United States Armed Forces', 'military', 'US']]
  },
  {
    code: 'IQ',
    name: 'Iraq',
    weight: 4,
    centre: [33.2, 43.7],
    neighbours: ['SY', 'TR', 'IR'],
    towns: [['Baghdad', 'Baghdad', 33.31, 44.37], ['Mosul', 'Nineveh', 36.34, 43.13], ['Kirkuk', 'Kirkuk', 35.47, 44.39], ['Erbil', 'Erbil', 36.19, 44.01], ['Ramadi', 'Anbar', 33.42, 43.3]],
    actors: [['Iraqi Security Forces', 'military'], ['Islamic State', 'armed_group'], ['Popular Mobilization Forces', 'armed_group'],
      ['Turkish Armed Forces', 'military', 'TR'], ['United States Armed Forces', 'military', 'US']]
  },
  {
    code: 'CD',
    name: 'DR Congo',
    weight: 4,
    centre: [-2.9, 23.6],
    neighbours: ['RW', 'UG'],
    towns: [['Goma', 'North Kivu', -1.68, 29.22], ['Beni', 'North Kivu', 0.49, 29.47], ['Bunia', 'Ituri', 1.56, 30.25], ['Bukavu', 'South Kivu', -2.51, 28.86]],
    actors: [['M23', 'armed_group'], ['Armed Forces of the DRC', 'military'], ['Allied Democratic Forces', 'armed_group'], ['CODECO', 'armed_group']]
  },
  {
    code: 'LB',
    name: 'Lebanon',
    weight: 3,
    centre: [33.9, 35.9],
    neighbours: ['IL', 'SY'],
    towns: [['Nabatieh', 'Nabatieh', 33.38, 35.48], ['Tyre', 'South', 33.27, 35.2], ['Beirut', 'Beirut', 33.89, 35.5], ['Baalbek', 'Baalbek-Hermel', 34.0, 36.21]],
    actors: [['Israel Defense Forces', 'military', 'IL'], ['Hezbollah', 'armed_group'], ['Lebanese Armed Forces', 'military']]
  },
  {
    code: 'ML',
    name: 'Mali',
    weight: 3,
    centre: [17.6, -4.0],
    neighbours: ['BF', 'NE'],
    towns: [['Gao', 'Gao', 16.27, -0.04], ['Mopti', 'Mopti', 14.49, -4.2], ['Timbuktu', 'Tombouctou', 16.77, -3.01], ['Kidal', 'Kidal', 18.44, 1.41], ['Bamako', 'Bamako', 12.64, -8.0]],
    actors: [['Malian Armed Forces', 'military'], ['JNIM', 'armed_group'], ['Islamic State Sahel', 'armed_group'], ['Africa Corps', 'military', 'RU']]
  },
  {
    code: 'NG',
    name: 'Nigeria',
    weight: 3,
    centre: [9.1, 8.7],
    neighbours: ['CM', 'NE'],
    towns: [['Maiduguri', 'Borno', 11.85, 13.16], ['Gusau', 'Zamfara', 12.16, 6.66], ['Kaduna', 'Kaduna', 10.52, 7.44], ['Jos', 'Plateau', 9.9, 8.86]],
    actors: [['Boko Haram', 'armed_group'], ['Nigerian Army', 'military'], ['ISWAP', 'armed_group']]
  },
  {
    code: 'ET',
    name: 'Ethiopia',
    weight: 3,
    centre: [9.1, 40.5],
    towns: [['Gondar', 'Amhara', 12.6, 37.47], ['Bahir Dar', 'Amhara', 11.59, 37.39], ['Mekelle', 'Tigray', 13.5, 39.47], ['Addis Ababa', 'Addis Ababa', 9.03, 38.74]],
    actors: [['Ethiopian National Defense Force', 'military'], ['Fano', 'armed_group'], ['Oromo Liberation Army', 'armed_group']]
  },
  {
    code: 'BF',
    name: 'Burkina Faso',
    weight: 2,
    centre: [12.2, -1.6],
    neighbours: ['ML', 'NE'],
    towns: [['Djibo', 'Sahel', 14.1, -1.63], ['Kaya', 'Centre-Nord', 13.09, -1.08], ['Ouagadougou', 'Centre', 12.37, -1.52]],
    actors: [['Burkinabe Armed Forces', 'military'], ['JNIM', 'armed_group'], ['Islamic State Sahel', 'armed_group']]
  },
  {
    code: 'LY',
    name: 'Libya',
    weight: 1.5,
    centre: [26.3, 17.2],
    towns: [['Tripoli', 'Tripoli', 32.89, 13.19], ['Benghazi', 'Benghazi', 32.12, 20.07], ['Sirte', 'Sirte', 31.21, 16.59]],
    actors: [['Libyan National Army', 'military'], ['Government of National Unity forces', 'government']]
  },
  {
    code: 'MX',
    name: 'Mexico',
    weight: 1.5,
    centre: [23.6, -102.5],
    towns: [['Culiacán', 'Sinaloa', 24.8, -107.39], ['Reynosa', 'Tamaulipas', 26.09, -98.28], ['Tijuana', 'Baja California', 32.51, -117.04]],
    actors: [['Sinaloa Cartel', 'armed_group'], ['Jalisco New Generation Cartel', 'armed_group'], ['Mexican Army', 'military']]
  },
  {
    code: 'CO',
    name: 'Colombia',
    weight: 1,
    centre: [4.6, -74.1],
    neighbours: ['VE'],
    towns: [['Cúcuta', 'Norte de Santander', 7.89, -72.51], ['Popayán', 'Cauca', 2.44, -76.61], ['Tumaco', 'Nariño', 1.8, -78.76]],
    actors: [['ELN', 'armed_group'], ['FARC dissidents', 'armed_group'], ['Colombian Armed Forces', 'military']]
  },
  {
    code: 'IN',
    name: 'India',
    weight: 1,
    centre: [22.0, 79.0],
    neighbours: ['PK'],
    towns: [['Imphal', 'Manipur', 24.82, 93.94], ['Srinagar', 'Jammu and Kashmir', 34.08, 74.8]],
    actors: [['Indian Armed Forces', 'military'], ['Kuki militants', 'armed_group']]
  }
]

/** Speakers with no single conflict: they comment on all of them. */
export const globalActors: NamedActor[] = [
  ['United Nations', 'international_org'], ['UN OCHA', 'international_org'], ['International Committee of the Red Cross', 'ngo'],
  ['Amnesty International', 'ngo'], ['Human Rights Watch', 'ngo'], ['US State Department', 'government', 'US'],
  ['European Union', 'international_org'], ['African Union', 'international_org'], ['Crisis Group', 'think_tank'], ['ACLED', 'think_tank']
]

// Popularity order; drives the Zipf-like type mix.
export const incidentTypeWeights: Array<[IncidentType, number]> = [
  ['airstrike', 20], ['shelling', 18], ['armed_clash', 16], ['drone_strike', 11], ['militant_attack', 8], ['bombing', 6],
  ['raid', 5], ['protest', 4], ['ground_operation', 4], ['cross_border_fire', 3], ['arrest', 3], ['other', 2]
]

export const typeLabels: Record<IncidentType, string> = {
  airstrike: 'Airstrike',
  drone_strike: 'Drone strike',
  shelling: 'Shelling',
  armed_clash: 'Clashes',
  cross_border_fire: 'Cross-border fire',
  militant_attack: 'Militant attack',
  bombing: 'Bombing',
  raid: 'Raid',
  ground_operation: 'Ground operation',
  arrest: 'Arrests',
  protest: 'Protest',
  other: 'Incident',
  // Not in the generated mix (incidentTypeWeights), so the benchmark's data stays as it was.
  attack_on_civilians: 'Attack on civilians',
  abduction: 'Abduction',
  sexual_violence: 'Sexual violence',
  looting: 'Looting',
  riot: 'Riot',
  ceasefire: 'Ceasefire',
  agreement: 'Agreement',
  negotiation: 'Talks',
  border_closure: 'Border closure',
  displacement: 'Displacement',
  policy_measure: 'Policy measure',
  territory_change: 'Territory change'
}

export const titleVerbs: Record<IncidentType, string[]> = {
  airstrike: ['hits', 'destroys', 'targets'],
  drone_strike: ['hits', 'targets', 'kills commander at'],
  shelling: ['hits', 'damages', 'pounds'],
  armed_clash: ['erupt at', 'reported near', 'break out at'],
  cross_border_fire: ['hits', 'reported at'],
  militant_attack: ['on', 'targets'],
  bombing: ['at', 'near'],
  raid: ['on', 'at'],
  ground_operation: ['around', 'near'],
  arrest: ['at', 'near'],
  protest: ['at', 'outside'],
  other: ['at', 'near'],
  attack_on_civilians: ['at', 'near'],
  abduction: ['at', 'near'],
  sexual_violence: ['at', 'near'],
  looting: ['at', 'near'],
  riot: ['at', 'outside'],
  ceasefire: ['at', 'around'],
  agreement: ['at', 'on'],
  negotiation: ['in', 'on'],
  border_closure: ['at', 'near'],
  displacement: ['from', 'around'],
  policy_measure: ['in', 'on'],
  territory_change: ['at', 'around']
}

export const targets = ['market', 'hospital', 'school', 'mosque', 'checkpoint', 'convoy', 'residential area', 'military base', 'police station',
  'bridge', 'power station', 'fuel depot', 'refugee camp', 'village', 'border post', 'training camp', 'compound', 'warehouse', 'airfield',
  'water plant', 'bus station', 'farm', 'wedding party', 'government building', 'bakery', 'church', 'university', 'port', 'railway station',
  'ammunition depot', 'command post', 'apartment block', 'clinic', 'aid convoy', 'displacement site', 'oil field', 'telecom tower']

export const adjectives = ['heavy', 'sporadic', 'intense', 'overnight', 'repeated', 'coordinated', 'suspected', 'unclaimed', 'deadly',
  'massive', 'renewed', 'targeted', 'indiscriminate', 'precision', 'retaliatory', 'pre-dawn', 'fierce', 'prolonged']

export const tags = ['civilian-casualties', 'infrastructure', 'cross-border', 'ceasefire-violation', 'displacement', 'health-care',
  'education', 'humanitarian-access', 'detention', 'energy', 'journalists', 'election', 'religious-site', 'children']

export const casualtyGroups = ['civilians', 'women', 'children', 'militants', 'security_forces', 'unknown']

/** name, domain, kind, language */
export const publishers: Array<[string, string, SourceKind, string]> = [
  ['Reuters', 'www.reuters.com', 'news_article', 'en'], ['Associated Press', 'apnews.com', 'news_article', 'en'],
  ['Agence France-Presse', 'www.afp.com', 'news_article', 'en'], ['Al Jazeera', 'www.aljazeera.com', 'news_article', 'en'],
  ['BBC News', 'www.bbc.co.uk', 'news_article', 'en'], ['UN OCHA', 'www.unocha.org', 'report', 'en'],
  ['ACLED', 'acleddata.com', 'report', 'en'], ['The Kyiv Independent', 'kyivindependent.com', 'news_article', 'en'],
  ['Dawn', 'www.dawn.com', 'news_article', 'en'], ['TOLOnews', 'tolonews.com', 'news_article', 'en'],
  ['Al Arabiya', 'www.alarabiya.net', 'news_article', 'ar'], ['X', 'x.com', 'social_media', 'en'],
  ['Telegram', 't.me', 'social_media', 'ru'], ['Sudan Tribune', 'sudantribune.com', 'news_article', 'en'],
  ['General Staff of Ukraine', 'www.zsu.gov.ua', 'official_statement', 'uk'], ['Russian Ministry of Defence', 'eng.mil.ru', 'official_statement', 'ru'],
  ['ISPR', 'ispr.gov.pk', 'official_statement', 'en'], ['Le Monde', 'www.lemonde.fr', 'news_article', 'fr'],
  ['Pajhwok Afghan News', 'pajhwok.com', 'news_article', 'ps'], ['Human Rights Watch', 'www.hrw.org', 'report', 'en']
]

// Synthetic actor names: adjective + noun + unit, or a person's name.
export const nameAdjectives = ['Northern', 'Southern', 'Eastern', 'Western', 'Free', 'United', 'Revolutionary', 'Popular', 'National',
  'Islamic', 'Democratic', 'Patriotic', 'Independent', 'Central', 'Highland', 'River', 'Desert', 'Mountain', 'Border', 'Loyal',
  'Black', 'Red', 'Green', 'Golden', 'Iron', 'Sacred', 'Martyrs', 'Peoples', 'Tribal', 'Coastal']
export const nameNouns = ['Lions', 'Falcons', 'Eagles', 'Tigers', 'Wolves', 'Guardians', 'Defenders', 'Volunteers', 'Partisans', 'Rangers',
  'Hawks', 'Sentinels', 'Knights', 'Sons', 'Shield', 'Sword', 'Dawn', 'Storm', 'Thunder', 'Banner', 'Crescent', 'Star', 'Arrow', 'Fortress',
  'Vanguard', 'Legion', 'Alliance', 'Union', 'Council']
export const nameUnits = ['Brigade', 'Battalion', 'Regiment', 'Division', 'Movement', 'Militia', 'Army', 'Front', 'Corps', 'Group', 'Forces', 'Unit']
export const firstNames = ['Ahmad', 'Mohammad', 'Abdul', 'Olena', 'Serhiy', 'Fatima', 'Hassan', 'Yusuf', 'Aisha', 'Omar', 'Ali', 'Maryam',
  'Ivan', 'Dmytro', 'Khalid', 'Ibrahim', 'Amina', 'Samir', 'Nadia', 'Tariq', 'Zainab', 'Bilal', 'Hamid', 'Layla', 'Rashid', 'Salma',
  'Kofi', 'Aung', 'Min', 'Thandiwe', 'Jean', 'Pierre', 'Mustafa', 'Karim', 'Rania', 'Yaw', 'Ngozi', 'Musa', 'Halima', 'Viktor']
export const lastNames = ['Karimi', 'Rahimi', 'Haqqani', 'Shevchenko', 'Kovalenko', 'Al-Hassan', 'Osman', 'Mahmoud', 'Yusufzai', 'Khan',
  'Bondarenko', 'Melnyk', 'Abdullah', 'Nasser', 'Haddad', 'Mansour', 'Farah', 'Abdi', 'Diallo', 'Traore', 'Kone', 'Okafor', 'Bello',
  'Tun', 'Aung', 'Kyaw', 'Mukwege', 'Kabila', 'Tshisekedi', 'Salih', 'Barzani', 'Hamdan', 'Burhan', 'Zelenko', 'Petrenko', 'Sadiq',
  'Qureshi', 'Baloch', 'Afridi', 'Wardak']
export const speakerTitles = ['spokesperson', 'Defence Ministry spokesperson', 'commander', 'provincial governor', 'Foreign Ministry spokesperson',
  'President', 'Special Envoy', 'Secretary-General', 'country director', 'military spokesperson']

/** Aliases of the named actors (names and aliases share one namespace: see actor_names). */
export const aliases: Record<string, string[]> = {
  'Islamic State': ['ISIS', 'Daesh'],
  'Islamic State Khorasan Province': ['ISKP', 'IS-K'],
  Houthis: ['Ansar Allah'],
  'Tehrik-i-Taliban Pakistan': ['TTP'],
  'Hayat Tahrir al-Sham': ['HTS'],
  'Rapid Support Forces': ['RSF'],
  'Sudanese Armed Forces': ['SAF'],
  'Syrian Democratic Forces': ['SDF'],
  'Israel Defense Forces': ['IDF'],
  'Armed Forces of Ukraine': ['ZSU'],
  'Myanmar Armed Forces': ['Tatmadaw'],
  'Balochistan Liberation Army': ['BLA']
}
