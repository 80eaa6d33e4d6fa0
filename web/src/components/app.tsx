import { useCallback, useEffect, useState } from 'preact/hooks'
import { getJson } from '../api.ts'
import { useLoad } from '../hooks.ts'
import { useLive } from '../live.ts'
import { MAP_LIMIT } from '../prefetch.ts'
import { filterQuery, parseView, timelineQuery, viewSearch, type Filters, type ViewState } from '../state.ts'
import type { Incident, Page } from '../types.ts'
import { Downloads } from './downloads.tsx'
import { FilterBar } from './filter-bar.tsx'
import { IncidentList } from './incident-list.tsx'
import { IncidentMap } from './incident-map.tsx'
import { IncidentView } from './incident-view.tsx'
import { StatsChart } from './stats-chart.tsx'
import { Timeline } from './timeline.tsx'

export function App () {
  const [view, setView] = useState<ViewState>(() => parseView(location.search))
  useEffect(() => {
    const onPop = () => setView(parseView(location.search))
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])
  const go = useCallback((next: ViewState) => {
    history.pushState(null, '', `/${viewSearch(next)}`)
    setView(next)
  }, [])
  const setFilters = (filters: Filters) => go({ filters, incident: view.incident })
  const [opened, setOpened] = useState(false)
  const open = (id: string) => {
    setOpened(true)
    go({ ...view, incident: id })
  }
  const close = () => {
    const id = view.incident
    go({ ...view, incident: null })
    // Back where the reader was: the incident's entry in the list.
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`.incident-list li[data-id="${id}"] a`)?.focus())
  }
  const hrefFor = (id: string) => `/${viewSearch({ ...view, incident: id })}`

  const live = useLive()
  const query = filterQuery(view.filters)
  const incidents = useLoad(`${JSON.stringify(query)}:${live.revision}`, (signal) =>
    getJson<Page<Incident>>('/v1/incidents', { ...query, limit: MAP_LIMIT, includeTotal: true }, signal))

  useEffect(() => {
    // First render (for the test and anyone timing the page): the matching incidents are on screen.
    if (incidents.data && !performance.getEntriesByName('explorer-ready').length) performance.mark('explorer-ready')
  }, [incidents.data])

  const list = incidents.data?.data ?? []
  return (
    <>
      <a class='skip' href='#main'>Skip to the incidents</a>
      <header class='top'>
        <h1><a href='/'>sitrep</a> <span>explorer</span></h1>
        <p class={`live live-${live.status}`} role='status'>
          <span class='dot' aria-hidden='true' />{live.status === 'live' ? 'Live' : live.status === 'connecting' ? 'Connecting…' : 'Offline'}
          <span class='visually-hidden'>{live.announcement}</span>
        </p>
        <nav aria-label='More'><a href='/docs'>API docs</a></nav>
      </header>
      <FilterBar filters={view.filters} onChange={setFilters} />
      <main id='main' class={`layout${view.incident ? ' has-incident' : ''}`}>
        <div class='col-main'>
          <section aria-labelledby='map-h' class='panel'>
            <h2 id='map-h'>Incidents</h2>
            {incidents.error && <p class='error' role='alert'>The incidents could not be read: {incidents.error}</p>}
            <IncidentMap incidents={list} selected={view.incident} fresh={live.fresh} onOpen={open} />
            <IncidentList incidents={list} total={incidents.data?.page.total} selected={view.incident} fresh={live.fresh} incidentHref={hrefFor} onOpen={open} />
            <Downloads query={query} />
          </section>
          <section aria-labelledby='stats-h' class='panel'>
            <h2 id='stats-h'>Per month</h2>
            <StatsChart query={query} revision={live.revision} />
          </section>
        </div>
        <div class='col-side'>
          {view.incident && (
            <>
              <IncidentView id={view.incident} revision={live.revision} fresh={live.fresh.get(view.incident)} onOpen={open} onClose={close} incidentHref={hrefFor} focusOnOpen={opened} />
              <details class='embed-code panel'>
                <summary>Embed this incident</summary>
                <code>{`<iframe src="${location.origin}/embed/incidents/${view.incident}" width="100%" height="600" title="sitrep incident"></iframe>`}</code>
              </details>
            </>
          )}
          <section aria-labelledby='timeline-h' class='panel'>
            <h2 id='timeline-h'>Timeline</h2>
            <p class='muted'>Incidents and statements, newest first{view.filters.type.length || view.filters.q || view.filters.attribution.length ? ' (filtered by dates, countries and actors only)' : ''}.</p>
            <Timeline query={timelineQuery(view.filters)} revision={live.revision} fresh={live.fresh} incidentHref={hrefFor} onOpen={open} />
          </section>
        </div>
      </main>
    </>
  )
}
