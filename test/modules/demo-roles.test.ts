import { beforeAll, describe, expect, it } from 'vitest'
import { loadDemoData } from '../../src/demo.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

// Issue 14's acceptance checks on the demo story's attributed roles: who asserts that an actor
// played a role in an incident. Pakistan confirmed its strikes; that their target was the TTP is
// Pakistan's allegation; that Afghan civilians were their victims is the Afghan defence ministry's.

let t: TestContext
const actor: Record<string, string> = {}
const statement: Record<string, string> = {}
let strikes: string
let ttpAttacks: string

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  expect(res.status, `${url}: ${res.text.slice(0, 300)}`).toBe(200)
  return res
}
const ids = async (url: string) => (await get(url)).body.data.map((i: { id: string }) => i.id)

beforeAll(async () => {
  t = await createTestApp()
  expect(await loadDemoData(t.app.pool)).toBe(true)
  for (const [key, q] of [['pakistan', 'externalId=wikidata:Q843'], ['ttp', 'q=ttp'], ['mod', 'q=afghan%20ministry'], ['civilians', 'q=afghan%20civilians']]) {
    const found = (await get(`/v1/actors?${q}`)).body.data
    expect(found, q).toHaveLength(1)
    actor[key] = found[0].id
  }
  statement.confirmation = (await get(`/v1/statements?speaker=${actor.pakistan}&kind=confirmation`)).body.data[0].id
  statement.condemnation = (await get(`/v1/statements?speaker=${actor.mod}&kind=condemnation`)).body.data[0].id
  strikes = (await get(`/v1/incidents?type=airstrike&country=AF&actor=${actor.pakistan}`)).body.data[0].id
  ttpAttacks = (await get('/v1/incidents?type=militant_attack')).body.data[0].id
})

describe('the demo story\'s attributed roles', () => {
  it('finds the strikes as alleged against the TTP, and not as confirmed against it', async () => {
    expect(await ids(`/v1/incidents?actor=${actor.ttp}&actorRole=target&attribution=alleged`)).toEqual([strikes])
    expect(await ids(`/v1/incidents?actor=${actor.ttp}&actorRole=target&attribution=confirmed`)).toEqual([])
    expect(await ids(`/v1/incidents?actor=${actor.ttp}&actorRole=target&assertedBy=${actor.pakistan}`)).toEqual([strikes])
  })

  it('has Pakistan as the strikes\' confirmed perpetrator, with its confirmation', async () => {
    const { actors } = (await get(`/v1/incidents/${strikes}`)).body
    expect(actors).toContainEqual({
      actorId: actor.pakistan, role: 'perpetrator', attribution: 'confirmed', assertedById: null, statementIds: [statement.confirmation], disputed: false
    })
    expect(actors).toContainEqual({
      actorId: actor.ttp, role: 'target', attribution: 'alleged', assertedById: actor.pakistan, statementIds: [statement.confirmation], disputed: false
    })
    expect(await ids(`/v1/incidents?actor=${actor.pakistan}&actorRole=perpetrator&attribution=confirmed&type=airstrike`)).toEqual([strikes])
  })

  it('keeps the defence ministry\'s allegation that Afghan civilians were the strikes\' victims', async () => {
    const { actors } = (await get(`/v1/incidents/${strikes}`)).body
    expect(actors).toContainEqual({
      actorId: actor.civilians, role: 'victim', attribution: 'alleged', assertedById: actor.mod, statementIds: [statement.condemnation], disputed: false
    })
    expect(await ids(`/v1/incidents?actor=${actor.civilians}&actorRole=victim&attribution=alleged&assertedBy=${actor.mod}`)).toEqual([strikes])
    expect(await ids(`/v1/incidents?actor=${actor.civilians}&actorRole=victim&attribution=confirmed`)).toEqual([])
  })

  it('has the TTP as the attacks\' perpetrator only by Pakistan\'s account', async () => {
    const { actors } = (await get(`/v1/incidents/${ttpAttacks}`)).body
    expect(actors).toEqual([{
      actorId: actor.ttp, role: 'perpetrator', attribution: 'alleged', assertedById: actor.pakistan, statementIds: [statement.confirmation], disputed: false
    }])
    expect(await ids(`/v1/incidents?actor=${actor.ttp}&actorRole=perpetrator&attribution=confirmed,claimed`)).toEqual([])
  })
})
