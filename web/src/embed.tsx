import { render } from 'preact'
import { IncidentView } from './components/incident-view.tsx'
import { Timeline } from './components/timeline.tsx'
import { parseView, timelineQuery } from './state.ts'
import './styles.css'

// Minimal pages for a newsroom's iframe: /embed/incidents/{id} and /embed/timeline?from=…&country=…
// (the explorer's own filter parameters). Links open the explorer in a new tab.
const explorerHref = (id: string) => `/?incident=${encodeURIComponent(id)}`
const noFresh = new Map()

function Embed () {
  const incident = /^\/embed\/incidents\/([^/]+)\/?$/.exec(location.pathname)
  if (incident) {
    const id = decodeURIComponent(incident[1])
    return (
      <main class='embed-page'>
        <h1 class='visually-hidden'>sitrep: one incident</h1>
        <IncidentView id={id} revision={0} incidentHref={explorerHref} linkTarget='_blank' />
        <p class='back'><a href={explorerHref(id)} target='_blank' rel='noopener noreferrer'>Open in the sitrep explorer ↗</a></p>
      </main>
    )
  }
  const { filters } = parseView(location.search)
  const back = `/${location.search}`
  return (
    <main class='embed-page'>
      <h1 class='embed-title'>Timeline</h1>
      <Timeline query={timelineQuery(filters)} revision={0} fresh={noFresh} incidentHref={explorerHref} linkTarget='_blank' pageSize={10} />
      <p class='back'><a href={back} target='_blank' rel='noopener noreferrer'>Open in the sitrep explorer ↗</a></p>
    </main>
  )
}

// Replaces the loading message the page ships with.
const root = document.getElementById('app')!
root.textContent = ''
render(<Embed />, root)
