import { formatDate } from '../labels.ts'
import type { Freshness } from '../live.ts'
import type { Incident } from '../types.ts'
import { FreshBadge, TypeBadge } from './badges.tsx'

interface Props { incidents: Incident[], total: number | undefined, selected: string | null, fresh: Map<string, Freshness>, incidentHref: (id: string) => string, onOpen: (id: string) => void }

/** The map's incidents as a list: what a keyboard or a screen reader uses instead of the markers. */
export function IncidentList ({ incidents, total, selected, fresh, incidentHref, onOpen }: Props) {
  const unplaced = incidents.filter((i) => !i.location).length
  return (
    <div class='incident-list'>
      <p class='count' aria-live='polite'>
        {total ?? incidents.length} incident{(total ?? incidents.length) === 1 ? '' : 's'} match
        {total !== undefined && total > incidents.length && <> (the {incidents.length} newest are shown)</>}
        {unplaced > 0 && <>; {unplaced} without a place {unplaced === 1 ? 'is' : 'are'} listed but not mapped</>}.
      </p>
      <ul>
        {incidents.map((i) => (
          <li key={i.id} class={`${i.id === selected ? 'selected' : ''}${fresh.has(i.id) ? ' is-fresh' : ''}`} data-id={i.id}>
            <a href={incidentHref(i.id)} aria-current={i.id === selected ? 'true' : undefined} onClick={(e) => { e.preventDefault(); onOpen(i.id) }}>{i.title}</a>
            <span class='meta'>
              <TypeBadge type={i.type} />
              <time dateTime={i.occurredAt}>{formatDate(i.occurredAt, i.datePrecision)}</time>
              {i.fatalities && <span>{i.fatalities.best} killed (best)</span>}
              {i.contested && <span class='badge contested'>contested</span>}
              <FreshBadge fresh={fresh.get(i.id)} />
            </span>
          </li>
        ))}
      </ul>
    </div>
  )
}
