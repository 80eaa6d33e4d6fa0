import { apiUrl } from '../api.ts'

/** The current filter as the API's own exports: every match, streamed, in the list's order. */
export function Downloads ({ query }: { query: Record<string, string> }) {
  const formats = [['csv', 'CSV'], ['geojson', 'GeoJSON'], ['ndjson', 'NDJSON']] as const
  return (
    <p class='downloads'>
      Download these incidents:{' '}
      {formats.map(([format, label]) => (
        <a key={format} class='download' href={apiUrl('/v1/incidents', { ...query, format })} download>{label}</a>
      ))}
      <a class='download' href={apiUrl('/v1/incidents', query)}>JSON API</a>
    </p>
  )
}
