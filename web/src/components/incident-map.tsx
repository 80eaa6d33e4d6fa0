import type * as Leaflet from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { feature } from 'topojson-client'
import type { GeometryCollection, Topology } from 'topojson-specification'
import { useEffect, useRef, useState } from 'preact/hooks'
import countriesUrl from 'world-atlas/countries-110m.json?url'
import { formatDate, humanize, typeColor } from '../labels.ts'
import type { Incident } from '../types.ts'
import type { Freshness } from '../live.ts'

interface Props { incidents: Incident[], selected: string | null, fresh: Map<string, Freshness>, onOpen: (id: string) => void }

// The basemap is Natural Earth's country shapes (world-atlas, 1:110m), a file this server ships, drawn
// as vectors by the page: no tile server, no fonts, nothing from another host. Fetched rather than
// bundled, so it stays out of the JavaScript budget and is cached apart from the code.
let basemap: Promise<GeoJSON.FeatureCollection> | null = null
function loadBasemap () {
  basemap ??= fetch(countriesUrl).then(async (r) => {
    const topology = await r.json() as Topology<{ countries: GeometryCollection }>
    return feature(topology, topology.objects.countries) as GeoJSON.FeatureCollection
  })
  return basemap
}

/** Marker radius in pixels: area grows with the best fatality figure, so 100 dead is not 100× wider than 1. */
const radius = (i: Incident) => 5 + 2.5 * Math.sqrt(i.fatalities?.best ?? 0)

// Leaflet is loaded after the first render, so the list and the timeline do not wait for the map
// library to be evaluated (about a third of the first render's script time on a busy machine).
type LeafletLib = typeof Leaflet
const loadLeaflet = () => import('leaflet').then((m) => (m as unknown as { default: LeafletLib }).default ?? m)

export function IncidentMap ({ incidents, selected, fresh, onOpen }: Props) {
  const element = useRef<HTMLDivElement>(null)
  const map = useRef<Leaflet.Map | null>(null)
  const markers = useRef<Leaflet.LayerGroup | null>(null)
  const [L, setL] = useState<LeafletLib | null>(null)
  const open = useRef(onOpen)
  open.current = onOpen

  useEffect(() => {
    let live = true
    loadLeaflet().then((lib) => { if (live) setL(() => lib) }).catch(() => {})
    return () => { live = false }
  }, [])

  useEffect(() => {
    if (!L) return
    const m = L.map(element.current!, { worldCopyJump: true, minZoom: 1, maxZoom: 10, zoomSnap: 0.5 }).setView([25, 40], 2)
    m.attributionControl.setPrefix(false)
    m.attributionControl.addAttribution('Country shapes: Natural Earth')
    L.DomUtil.addClass(m.getContainer(), 'basemap')
    loadBasemap().then((countries) => {
      L.geoJSON(countries, { interactive: false, style: { color: '#8a8f94', weight: 0.6, fillColor: '#e9ecef', fillOpacity: 1 } }).addTo(m).bringToBack()
    }).catch(() => {})
    markers.current = L.layerGroup().addTo(m)
    map.current = m
    return () => { m.remove(); map.current = null }
  }, [L])

  useEffect(() => {
    const m = map.current
    const group = markers.current
    if (!L || !m || !group) return
    group.clearLayers()
    const placed = incidents.filter((i) => i.location)
    // Biggest first, so small markers stay clickable on top of large ones.
    for (const i of [...placed].sort((a, b) => radius(b) - radius(a))) {
      const loc = i.location!
      const approximate = loc.precision === 'country' || loc.precision === 'admin1'
      const marker = L.circleMarker([loc.lat, loc.lon], {
        radius: radius(i),
        color: i.id === selected ? '#111' : fresh.has(i.id) ? '#f1c40f' : '#fff',
        weight: i.id === selected || fresh.has(i.id) ? 3 : 1.5,
        dashArray: approximate ? '3 3' : undefined,
        fillColor: typeColor(i.type),
        fillOpacity: 0.8
      })
      marker.bindTooltip(`${i.title} · ${humanize(i.type)} · ${formatDate(i.occurredAt, i.datePrecision)}` +
        (i.fatalities ? ` · ${i.fatalities.best} killed (best)` : '') + (approximate ? ` · placed at ${loc.precision} level` : ''))
      marker.on('click', () => open.current(i.id))
      group.addLayer(marker)
    }
    if (placed.length) {
      const bounds = L.latLngBounds(placed.map((i) => [i.location!.lat, i.location!.lon]))
      m.fitBounds(bounds.pad(0.6), { maxZoom: 4 })
    }
  }, [L, incidents, selected, fresh])

  return <div ref={element} class='map' role='region' aria-label='Map of the matching incidents (each is also in the list below the map)' />
}
