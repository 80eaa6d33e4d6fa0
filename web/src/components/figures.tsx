import { figureText, humanize } from '../labels.ts'
import type { CasualtyReport, Fatalities } from '../types.ts'

interface Props { reports: CasualtyReport[], rollup: Fatalities | null, names: Map<string, string> }

/** A report's range: at least N runs open to the right edge; at most N from zero. */
function range (r: CasualtyReport): { lo: number, hi: number, open: boolean } {
  switch (r.qualifier) {
    case 'at_least':
    case 'unquantified': return { lo: r.min, hi: r.min, open: true }
    case 'at_most': return { lo: 0, hi: r.max ?? r.min, open: false }
    default: return { lo: r.min, hi: r.max ?? r.min, open: false }
  }
}

const W = 400
const H = 22

/**
 * The figures side by side, one range bar per reporter and category, on one scale per category; for
 * killed, the incident's low/best/high roll-up (the API's, not recomputed here) is drawn over them.
 */
export function CasualtyFigures ({ reports, rollup, names }: Props) {
  if (reports.length === 0) return <p class='muted'>No casualty figures reported.</p>
  const categories = [...new Set(reports.map((r) => r.category))]
  return (
    <div class='figures'>
      {categories.map((category) => {
        const rows = reports.filter((r) => r.category === category)
        const top = Math.max(1, ...rows.map((r) => range(r).hi), category === 'killed' && rollup ? rollup.high : 0)
        const scale = (n: number) => 8 + (n / (top * 1.25)) * (W - 16)
        return (
          <section class='figure-group' key={category} aria-label={`${humanize(category)} figures`}>
            <h4>{humanize(category)}{category === 'killed' && rollup && <span class='rollup-text'> — roll-up: low {rollup.low}, best {rollup.best}, high {rollup.high}</span>}</h4>
            <ul class='figure-rows'>
              {rows.map((r) => {
                const { lo, hi, open } = range(r)
                return (
                  <li key={r.id} class='figure-row'>
                    <p class='figure-label'>
                      <strong>{r.reportedById ? names.get(r.reportedById) ?? '…' : <span class='muted'>unattributed</span>}</strong>{': '}
                      <span class='figure-text'>{figureText(r)}</span>
                      {r.groups.length > 0 && <span class='muted'> · {r.groups.map(humanize).join(', ')}</span>}
                    </p>
                    <svg class='range' viewBox={`0 0 ${W} ${H}`} preserveAspectRatio='none' aria-hidden='true'>
                      <line x1={8} x2={W - 8} y1={H / 2} y2={H / 2} class='axis' />
                      {open
                        ? <rect x={scale(lo)} y={6} width={W - 8 - scale(lo)} height={H - 12} class='bar open' />
                        : <rect x={scale(lo)} y={6} width={Math.max(3, scale(hi) - scale(lo))} height={H - 12} class='bar' />}
                      {open && <rect x={scale(lo)} y={6} width={3} height={H - 12} class='bar' />}
                      {category === 'killed' && rollup && (
                        <g class='rollup'>
                          <rect x={scale(rollup.low)} y={2} width={Math.max(2, scale(rollup.high) - scale(rollup.low))} height={H - 4} class='rollup-band' />
                          <line x1={scale(rollup.best)} x2={scale(rollup.best)} y1={0} y2={H} class='rollup-best' />
                        </g>
                      )}
                    </svg>
                    {r.note && <p class='note'>{r.note}</p>}
                  </li>
                )
              })}
            </ul>
          </section>
        )
      })}
      <p class='legend muted'><span class='key bar' aria-hidden='true' /> a reporter’s figure (open to the right: “at least”) · <span class='key rollup-band' aria-hidden='true' /> roll-up low–high, <span class='key rollup-best' aria-hidden='true' /> best</p>
    </div>
  )
}
