import { useEffect, useMemo, useState } from 'preact/hooks'
import { actorById, getJson, rememberActor } from '../api.ts'
import { useActorNames } from '../hooks.ts'
import { attributions, countryName, humanize, incidentTypes, knownCountries } from '../labels.ts'
import type { Filters } from '../state.ts'
import type { Actor, Page } from '../types.ts'
import { TokenField, type Token } from './token-field.tsx'

interface Props { filters: Filters, onChange: (filters: Filters) => void }

// Built on first use: naming every region costs a few hundred Intl lookups the first render can skip.
let countryTokenList: Token[] | null = null
const countryTokens = () => (countryTokenList ??= knownCountries().map((c) => ({ value: c.code, label: `${c.name} (${c.code})` })))
const typeTokens: Token[] = incidentTypes.map((t) => ({ value: t, label: humanize(t) }))

function byText (tokens: Token[], text: string): Token | null {
  const t = text.trim().toLowerCase()
  if (!t) return null
  return tokens.find((x) => x.label.toLowerCase() === t || x.value.toLowerCase() === t) ??
    tokens.find((x) => x.label.toLowerCase().startsWith(t)) ?? null
}

export function FilterBar ({ filters, onChange }: Props) {
  const [q, setQ] = useState(filters.q)
  useEffect(() => setQ(filters.q), [filters.q])
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch })

  // Actors: suggestions from GET /v1/actors?q= (prefix, case- and accent-insensitive) as one types.
  const [actorSuggestions, setActorSuggestions] = useState<Actor[]>([])
  const [actorText, setActorText] = useState('')
  useEffect(() => {
    const text = actorText.trim()
    if (!text) return setActorSuggestions([])
    const controller = new AbortController()
    const timer = setTimeout(() => {
      getJson<Page<Actor>>('/v1/actors', { q: text, limit: 10 }, controller.signal)
        .then((page) => { page.data.forEach(rememberActor); setActorSuggestions(page.data) })
        .catch(() => {})
    }, 150)
    return () => { clearTimeout(timer); controller.abort() }
  }, [actorText])
  const actorNames = useActorNames(filters.actor, actorById)
  const actorOptions: Token[] = actorSuggestions.map((a) => ({ value: a.id, label: a.name }))

  const [countriesWanted, setCountriesWanted] = useState(false)
  const chosenCountries = useMemo(() => filters.country.map((c) => ({ value: c, label: countryName(c) })), [filters.country])

  // On a phone the filters fold away behind one button (the search box stays), so the incidents are on the first screen.
  const [expanded, setExpanded] = useState(false)
  const active = filters.country.length + filters.type.length + filters.actor.length + filters.attribution.length + (filters.from ? 1 : 0) + (filters.to ? 1 : 0)
  return (
    <form
      class={`filter-bar${expanded ? ' expanded' : ''}`}
      role='search'
      aria-label='Filter incidents'
      onSubmit={(e) => { e.preventDefault(); set({ q: q.trim() }) }}
    >
      <button type='button' class='secondary filter-toggle' aria-expanded={expanded} aria-controls='filter-fields' onClick={() => setExpanded(!expanded)}>
        Filters{active ? ` (${active})` : ''}
      </button>
      <div class='field'>
        <label for='f-q'>Search</label>
        <div class='inline'>
          <input id='f-q' type='search' value={q} placeholder='words, "a phrase", -not' onInput={(e) => setQ(e.currentTarget.value)} />
          <button type='submit'>Search</button>
        </div>
      </div>
      <div class='filter-fields' id='filter-fields'>
        <div class='field dates'>
          <span class='label' id='f-dates'>Dates</span>
          <div class='inline' role='group' aria-labelledby='f-dates'>
            <label class='visually-hidden' for='f-from'>From</label>
            <input id='f-from' type='date' value={filters.from} onChange={(e) => set({ from: e.currentTarget.value })} />
            <span aria-hidden='true'>–</span>
            <label class='visually-hidden' for='f-to'>Until (exclusive)</label>
            <input id='f-to' type='date' value={filters.to} onChange={(e) => set({ to: e.currentTarget.value })} />
          </div>
        </div>
        <TokenField
          id='f-country' label='Countries' placeholder='e.g. Afghanistan'
          tokens={chosenCountries} suggestions={countriesWanted ? countryTokens() : []}
          onInput={() => setCountriesWanted(true)}
          resolve={(text) => byText(countryTokens(), text)}
          onChange={(country) => set({ country })}
        />
        <TokenField
          id='f-type' label='Incident types' placeholder='e.g. airstrike'
          tokens={filters.type.map((t) => ({ value: t, label: humanize(t) }))} suggestions={typeTokens}
          resolve={(text) => byText(typeTokens, text)}
          onChange={(type) => set({ type })}
        />
        <TokenField
          id='f-actor' label='Actors' placeholder='e.g. Taliban'
          tokens={filters.actor.map((id) => ({ value: id, label: actorNames.get(id) ?? '…' }))}
          suggestions={actorOptions}
          onInput={setActorText}
          resolve={(text) => byText(actorOptions, text) ?? (text.trim() ? actorOptions[0] ?? null : null)}
          onChange={(actor) => set({ actor })}
        />
        <fieldset class='field attribution'>
          <legend>Attribution</legend>
          {attributions.map((a) => (
            <label key={a} class='check'>
              <input
                type='checkbox' checked={filters.attribution.includes(a)}
                onChange={(e) => set({ attribution: e.currentTarget.checked ? [...filters.attribution, a] : filters.attribution.filter((x) => x !== a) })}
              />
              {a}
            </label>
          ))}
        </fieldset>
        <div class='field reset'>
          <button type='button' class='secondary' onClick={() => onChange({ from: '', to: '', country: [], type: [], actor: [], attribution: [], q: '' })}>Clear filters</button>
        </div>
      </div>
    </form>
  )
}
