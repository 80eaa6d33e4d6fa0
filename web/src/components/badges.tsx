import { humanize, typeColor } from '../labels.ts'
import type { Freshness } from '../live.ts'

export const TypeBadge = ({ type }: { type: string }) => (
  <span class='badge type'><span class='swatch' style={{ background: typeColor(type) }} aria-hidden='true' />{humanize(type)}</span>
)

export const KindBadge = ({ kind }: { kind: string }) => <span class={`badge kind kind-${kind}`}>{humanize(kind)}</span>

export const FreshBadge = ({ fresh }: { fresh: Freshness | undefined }) =>
  fresh ? <span class={`badge fresh fresh-${fresh}`}>{fresh === 'new' ? 'New' : 'Updated'}</span> : null
