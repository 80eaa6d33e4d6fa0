import { getJson } from '../api.ts'
import { useLoad } from '../hooks.ts'
import { humanize, typeColor } from '../labels.ts'
import type { StatsRow } from '../types.ts'

interface Props { query: Record<string, string>, revision: number }

const month = (iso: string) => iso.slice(0, 7)

/** Every month from the first to the last, so gaps show as gaps; past ten years, only the months with data. */
function months (present: string[]): string[] {
  if (present.length === 0) return []
  const sorted = [...present].sort()
  const [y0, m0] = sorted[0].split('-').map(Number)
  const [y1, m1] = sorted[sorted.length - 1].split('-').map(Number)
  const span = (y1 - y0) * 12 + (m1 - m0) + 1
  if (span > 120) return sorted
  return Array.from({ length: span }, (_, k) => {
    const n = m0 - 1 + k
    return `${y0 + Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`
  })
}

/** Incidents per month by type for the current filter (GET /v1/stats/incidents?groupBy=month,type), as stacked bars. */
export function StatsChart ({ query, revision }: Props) {
  const { data, error } = useLoad(`${JSON.stringify(query)}:${revision}`, (signal) =>
    getJson<{ data: StatsRow[] }>('/v1/stats/incidents', { ...query, groupBy: 'month,type' }, signal))
  if (error) return <p class='error' role='alert'>The statistics could not be read: {error}</p>
  if (!data) return <p class='loading'>Loading…</p>
  const rows = data.data.filter((r) => r.month && r.type)
  if (rows.length === 0) return <p class='empty'>No incidents for these filters.</p>
  const axis = months([...new Set(rows.map((r) => month(r.month!)))])
  const types = [...new Set(rows.map((r) => r.type!))].sort()
  const count = (m: string, t: string) => rows.filter((r) => month(r.month!) === m && r.type === t).reduce((n, r) => n + r.count, 0)
  const totals = axis.map((m) => types.reduce((n, t) => n + count(m, t), 0))
  const top = Math.max(1, ...totals)
  const W = 640
  const H = 160
  const pad = { left: 28, bottom: 22, top: 8 }
  const bw = (W - pad.left) / axis.length
  const y = (n: number) => H - pad.bottom - (n / top) * (H - pad.bottom - pad.top)
  const labelEvery = Math.ceil(axis.length / 8)
  return (
    <figure class='stats'>
      <svg viewBox={`0 0 ${W} ${H}`} role='img' aria-labelledby='stats-caption' class='chart'>
        <line x1={pad.left} x2={W} y1={y(0)} y2={y(0)} class='axis' />
        <text x={pad.left - 4} y={y(top) + 4} text-anchor='end' class='tick'>{top}</text>
        <text x={pad.left - 4} y={y(0)} text-anchor='end' class='tick'>0</text>
        {axis.map((m, k) => {
          let base = 0
          return (
            <g key={m}>
              {types.map((t) => {
                const n = count(m, t)
                if (!n) return null
                const rect = <rect key={t} x={pad.left + k * bw + 1} width={Math.max(1, bw - 2)} y={y(base + n)} height={y(base) - y(base + n)} fill={typeColor(t)}><title>{`${m}: ${n} ${humanize(t)}`}</title></rect>
                base += n
                return rect
              })}
              {k % labelEvery === 0 && <text x={pad.left + k * bw + bw / 2} y={H - 6} text-anchor='middle' class='tick'>{m}</text>}
            </g>
          )
        })}
      </svg>
      <figcaption id='stats-caption'>
        Incidents per month by type, {axis[0]} to {axis[axis.length - 1]}:{' '}
        {types.map((t) => <span key={t} class='legend-item'><span class='swatch' style={{ background: typeColor(t) }} aria-hidden='true' />{humanize(t)} {rows.filter((r) => r.type === t).reduce((n, r) => n + r.count, 0)}</span>)}
      </figcaption>
    </figure>
  )
}
