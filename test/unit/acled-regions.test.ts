import { describe, expect, it } from 'vitest'
import { acledCountry } from '../../src/modules/incidents/acled-regions.ts'

// Checked against ACLED's own country table (the acled_countries data of its R package acledR):
// these are the countries where a table written from general geography goes wrong.
describe('ACLED countries and regions', () => {
  it.each([
    ['AF', 'Afghanistan', 'Caucasus and Central Asia'],
    ['PK', 'Pakistan', 'South Asia'],
    ['MX', 'Mexico', 'North America'],
    ['ZM', 'Zambia', 'Southern Africa'],
    ['ZW', 'Zimbabwe', 'Southern Africa'],
    ['GL', 'Greenland', 'Europe'],
    ['SD', 'Sudan', 'Northern Africa'],
    ['SS', 'South Sudan', 'Eastern Africa'],
    ['TR', 'Turkey', 'Middle East'],
    ['UA', 'Ukraine', 'Europe'],
    ['CD', 'Democratic Republic of Congo', 'Middle Africa'],
    ['CN', 'China', 'East Asia'],
    ['GG', 'Bailiwick of Guernsey', 'Europe']
  ])('%s is %s in %s', (code, country, region) => {
    expect(acledCountry(code)).toMatchObject({ country, region })
  })

  it('uses only ACLED\'s 17 region names', () => {
    const names = new Set(['Western Africa', 'Middle Africa', 'Eastern Africa', 'Southern Africa', 'Northern Africa', 'South Asia',
      'Southeast Asia', 'Middle East', 'Europe', 'Caucasus and Central Asia', 'Central America', 'South America', 'Caribbean',
      'East Asia', 'North America', 'Oceania', 'Antarctica'])
    const codes = 'AF AQ BR CA CM CN DE EG FJ IN IQ JM KE MM NG PA UZ ZA'.split(' ')
    expect(new Set(codes.map((c) => acledCountry(c).region))).toEqual(names)
  })

  it('gives the ISO numeric code and leaves the region empty outside ACLED\'s table', () => {
    expect(acledCountry('AF').iso).toBe(4)
    expect(acledCountry('AX')).toMatchObject({ country: 'Åland Islands', region: '' })
    expect(acledCountry(null)).toEqual({ iso: null, country: '', region: '' })
  })
})
