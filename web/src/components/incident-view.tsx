import { useEffect, useRef } from 'preact/hooks'
import { actorById, getJson } from '../api.ts'
import { useActorNames, useLoad } from '../hooks.ts'
import { countryName, formatDate, humanize } from '../labels.ts'
import type { Freshness } from '../live.ts'
import type { Accounts, Incident, IncidentRole, Page, RelatedIncident, Statement } from '../types.ts'
import { FreshBadge, TypeBadge } from './badges.tsx'
import { CasualtyFigures } from './figures.tsx'
import { StatementThread } from './statements.tsx'

export interface IncidentRecord {
  incident: Incident
  accounts: Accounts
  related: RelatedIncident[]
  /** statements about the incident's actors that are not linked to the incident itself */
  context: Statement[]
  /** responses to any statement above, by the id they respond to */
  responses: Map<string, Statement[]>
}

/** Everything the incident view shows, from the public API only. */
export async function loadIncident (id: string, signal?: AbortSignal): Promise<IncidentRecord> {
  const [incident, accounts, related] = await Promise.all([
    getJson<Incident>(`/v1/incidents/${id}`, { include: 'actors,casualties,sources,statements' }, signal),
    getJson<Accounts>(`/v1/incidents/${id}/accounts`, {}, signal),
    getJson<Page<RelatedIncident>>(`/v1/incidents/${id}/related`, { include: 'incident', limit: 50 }, signal)
  ])
  const actorIds = [...new Set(incident.actors.map((a) => a.actorId))]
  const about = actorIds.length
    ? (await getJson<Page<Statement>>('/v1/statements', { aboutActor: actorIds.join(','), limit: 100 }, signal)).data
    : []
  const linked = new Set(accounts.accounts.flatMap((a) => a.statements.map((s) => s.id)))
  const shown = [...accounts.accounts.flatMap((a) => a.statements), ...about.filter((s) => !linked.has(s.id))]
  const responses = new Map<string, Statement[]>()
  // Two rounds: the responses to what is shown, then the responses to those (a denial of a denial).
  let frontier = shown.map((s) => s.id)
  for (let round = 0; round < 2 && frontier.length; round++) {
    const found = (await getJson<Page<Statement>>('/v1/statements', { respondsTo: frontier.slice(0, 100).join(','), limit: 100, sort: 'statedAt' }, signal)).data
    for (const s of found) {
      const list = responses.get(s.respondsToId!) ?? []
      if (!list.some((x) => x.id === s.id)) list.push(s)
      responses.set(s.respondsToId!, list)
    }
    frontier = found.map((s) => s.id)
  }
  const isReply = (s: Statement) => s.respondsToId !== null && shown.some((x) => x.id === s.respondsToId)
  const context = about.filter((s) => !linked.has(s.id) && !isReply(s))
  return { incident, accounts, related: related.data, context, responses }
}

function Attribution ({ role, names }: { role: IncidentRole, names: Map<string, string> }) {
  const by = role.assertedById ? ` by ${names.get(role.assertedById) ?? '…'}` : ''
  return (
    <span class={`attribution attribution-${role.attribution}`}>
      {role.attribution === 'confirmed' ? 'confirmed' : `${role.attribution}${by}`}
      {role.disputed && <strong class='disputed'> · disputed</strong>}
    </span>
  )
}

interface Props {
  id: string
  revision: number
  fresh?: Freshness
  /** opens another incident in place; without it, links to incidents are plain links */
  onOpen?: (id: string) => void
  onClose?: () => void
  incidentHref: (id: string) => string
  /** where links open (an embed opens the explorer in a new tab) */
  linkTarget?: string
  /** move the keyboard focus to the heading once the incident is shown (when the reader opened it) */
  focusOnOpen?: boolean
}

export function IncidentView ({ id, revision, fresh, onOpen, onClose, incidentHref, linkTarget, focusOnOpen = false }: Props) {
  const { data, error } = useLoad(`${id}:${revision}`, (signal) => loadIncident(id, signal))
  const heading = useRef<HTMLHeadingElement>(null)
  const shownId = data?.incident.id
  // Once per incident, not on a live refresh of the same one.
  useEffect(() => { if (focusOnOpen && shownId === id) heading.current?.focus() }, [shownId, id])
  const everyone = data
    ? [
        ...data.incident.actors.flatMap((a) => [a.actorId, ...(a.assertedById ? [a.assertedById] : [])]),
        ...(data.incident.casualtyReports ?? []).flatMap((r) => (r.reportedById ? [r.reportedById] : [])),
        ...data.context.map((s) => s.speakerId),
        ...[...data.responses.values()].flat().map((s) => s.speakerId),
        ...data.related.flatMap((r) => (r.assertedById ? [r.assertedById] : []))
      ]
    : []
  const read = useActorNames(everyone, actorById)
  if (error) return <section class='incident panel' aria-label='Incident'><p class='error' role='alert'>This incident could not be read: {error}</p></section>
  if (!data) return <section class='incident panel' aria-busy='true' aria-label='Incident'><p class='loading'>Loading the incident…</p></section>
  const { incident: i, accounts, related, context, responses } = data
  // Names the incident's own reads already carry need no lookup.
  const names = new Map(read)
  for (const a of accounts.accounts) names.set(a.actor.id, a.actor.name)
  for (const a of i.actors) if (a.actor) names.set(a.actorId, a.actor.name)
  const sources = i.sources ?? []

  return (
    <article class='incident panel' aria-labelledby='incident-title' data-id={i.id}>
      <header class='incident-head'>
        {onClose && <button type='button' class='secondary close' onClick={onClose}>← All incidents</button>}
        <h2 id='incident-title' tabIndex={-1} ref={heading}>{i.title} <FreshBadge fresh={fresh} /></h2>
        <p class='incident-meta'>
          <TypeBadge type={i.type} />
          <span class={`badge status status-${i.status}`}>{humanize(i.status)}</span>
          {i.contested && <span class='badge contested'>contested</span>}
          <time dateTime={i.occurredAt}>{formatDate(i.occurredAt, i.datePrecision)}</time>
          <span>{i.location ? `${i.location.name}${i.location.precision !== 'exact' ? ` (${i.location.precision} level)` : ''}` : i.countryCodes.map(countryName).join(', ')}</span>
        </p>
        {i.summary && <p class='summary'>{i.summary}</p>}
      </header>

      <section aria-labelledby='facts-h'>
        <h3 id='facts-h'>Who did what, on whose word</h3>
        {i.actors.length === 0
          ? <p class='muted'>No actors recorded.</p>
          : (
            <table class='roles'>
              <thead><tr><th scope='col'>Actor</th><th scope='col'>Role</th><th scope='col'>Attribution</th></tr></thead>
              <tbody>
                {i.actors.map((a) => (
                  <tr key={`${a.actorId}:${a.role}`}>
                    <th scope='row'>{names.get(a.actorId) ?? '…'}</th>
                    <td>{humanize(a.role)}</td>
                    <td><Attribution role={a} names={names} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            )}
      </section>

      <section aria-labelledby='figures-h'>
        <h3 id='figures-h'>Reported figures</h3>
        <CasualtyFigures reports={i.casualtyReports ?? []} rollup={i.fatalities} names={names} />
      </section>

      <section aria-labelledby='accounts-h'>
        <h3 id='accounts-h'>Who says what</h3>
        {accounts.accounts.length === 0 && <p class='muted'>No statements linked to this incident.</p>}
        {accounts.accounts.map((a) => (
          <section class='account' key={a.actor.id} aria-label={a.actor.name}>
            <h4>{a.actor.name}</h4>
            {a.casualtyReports.length > 0 && <p class='muted'>Gave {a.casualtyReports.length} casualty figure{a.casualtyReports.length === 1 ? '' : 's'} (above).</p>}
            <StatementThread statements={a.statements} responses={responses} names={names} />
          </section>
        ))}
      </section>

      {context.length > 0 && (
        <section aria-labelledby='context-h'>
          <h3 id='context-h'>Said about the actors involved</h3>
          <p class='muted'>Statements about these actors that are not linked to this incident.</p>
          <StatementThread statements={context} responses={responses} names={names} showSpeaker />
        </section>
      )}

      <section aria-labelledby='sources-h'>
        <h3 id='sources-h'>Sources</h3>
        <ul class='sources'>
          {sources.map((s) => (
            <li key={s.id}>
              {/^https?:\/\//i.test(s.url) ? <a href={s.url} rel='noopener noreferrer' target='_blank'>{s.title}</a> : <span>{s.title} ({s.url})</span>}
              <span class='muted'> · {s.publisher}{s.publishedAt && ` · ${formatDate(s.publishedAt)}`}</span>
            </li>
          ))}
        </ul>
      </section>

      {related.length > 0 && (
        <section aria-labelledby='related-h'>
          <h3 id='related-h'>Related incidents</h3>
          <ul class='related'>
            {related.map((r) => (
              <li key={`${r.incidentId}:${r.kind}`}>
                <span class='muted'>{r.direction === 'outgoing' ? humanize(r.kind) : `${humanize(r.kind)} (from)`}{r.assertedById && `, says ${names.get(r.assertedById) ?? '…'}`}: </span>
                <a href={incidentHref(r.incidentId)} target={linkTarget} onClick={onOpen ? (e) => { e.preventDefault(); onOpen(r.incidentId) } : undefined}>{r.incident?.title ?? r.incidentId}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  )
}
