import { useEffect, useRef, useState } from 'preact/hooks'
import { actorById, getJson } from '../api.ts'
import { useActorNames } from '../hooks.ts'
import { formatDate } from '../labels.ts'
import type { Freshness } from '../live.ts'
import type { Page, TimelineEntry } from '../types.ts'
import { FreshBadge, KindBadge, TypeBadge } from './badges.tsx'

interface Props {
  query: Record<string, string>
  revision: number
  fresh: Map<string, Freshness>
  /** where an incident entry leads (the explorer opens it in place; an embed links back) */
  incidentHref: (id: string) => string
  onOpen?: (id: string) => void
  pageSize?: number
  linkTarget?: string
}

const entryKey = (e: TimelineEntry) => `${e.kind}:${e.item.id}`

/** GET /v1/timeline, newest first; the next page loads as its end scrolls into view (or on the button). */
export function Timeline ({ query, revision, fresh, incidentHref, onOpen, pageSize = 20, linkTarget }: Props) {
  const [entries, setEntries] = useState<TimelineEntry[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const queryKey = JSON.stringify(query)
  const loaded = useRef(0)
  loaded.current = entries.length

  // A new filter starts over; a live change re-reads as many entries as are shown, so new ones
  // appear in place and the reader keeps their scroll position.
  const isRefresh = useRef(false)
  const lastQuery = useRef(queryKey)
  useEffect(() => {
    isRefresh.current = lastQuery.current === queryKey && loaded.current > 0
    lastQuery.current = queryKey
    const controller = new AbortController()
    const limit = isRefresh.current ? Math.min(500, Math.max(pageSize, loaded.current + 5)) : pageSize
    setLoading(true)
    getJson<Page<TimelineEntry>>('/v1/timeline', { ...query, limit }, controller.signal).then((page) => {
      setEntries(page.data)
      setCursor(page.page.nextCursor)
      setError(null)
      setLoading(false)
    }, (err: Error) => { if (!controller.signal.aborted) { setError(err.message); setLoading(false) } })
    return () => controller.abort()
  }, [queryKey, revision])

  const more = () => {
    if (!cursor || loading) return
    setLoading(true)
    getJson<Page<TimelineEntry>>('/v1/timeline', { ...query, limit: pageSize, cursor }).then((page) => {
      setEntries((prev) => {
        const seen = new Set(prev.map(entryKey))
        return [...prev, ...page.data.filter((e) => !seen.has(entryKey(e)))]
      })
      setCursor(page.page.nextCursor)
      setLoading(false)
    }, (err: Error) => { setError(err.message); setLoading(false) })
  }

  const sentinel = useRef<HTMLDivElement>(null)
  const moreRef = useRef(more)
  moreRef.current = more
  useEffect(() => {
    if (!sentinel.current || typeof IntersectionObserver === 'undefined') return
    const observer = new IntersectionObserver((seen) => { if (seen.some((s) => s.isIntersecting)) moreRef.current() })
    observer.observe(sentinel.current)
    return () => observer.disconnect()
  }, [])

  const speakers = useActorNames(entries.flatMap((e) => e.kind === 'statement' ? [e.item.speakerId] : []), actorById)

  return (
    <div class='timeline'>
      {error && <p class='error' role='alert'>The timeline could not be read: {error}</p>}
      {!error && !loading && entries.length === 0 && <p class='empty'>Nothing on the timeline for these filters.</p>}
      <ol class='entries'>
        {entries.map((e) => (
          <li key={entryKey(e)} class={`entry entry-${e.kind}${fresh.has(e.item.id) ? ' is-fresh' : ''}`} data-id={e.item.id}>
            <div class='entry-meta'>
              <time dateTime={e.at}>{formatDate(e.at, e.item.datePrecision)}</time>
              {e.kind === 'incident' ? <TypeBadge type={e.item.type} /> : <KindBadge kind={e.item.kind} />}
              <FreshBadge fresh={fresh.get(e.item.id)} />
            </div>
            {e.kind === 'incident'
              ? (
                <p class='entry-title'>
                  <a href={incidentHref(e.item.id)} target={linkTarget} onClick={onOpen ? (ev) => { ev.preventDefault(); onOpen(e.item.id) } : undefined}>{e.item.title}</a>
                  {e.item.fatalities && <span class='figure'> · {e.item.fatalities.best} killed (best estimate)</span>}
                </p>
                )
              : (
                <p class='entry-title'>
                  <strong>{speakers.get(e.item.speakerId) ?? '…'}</strong>{e.item.speakerTitle && <span class='muted'>, {e.item.speakerTitle}</span>}: {e.item.summary}
                  {e.item.incidentIds.length > 0 && (
                    <span class='links'> {e.item.incidentIds.map((id, n) => (
                      <a key={id} href={incidentHref(id)} target={linkTarget} onClick={onOpen ? (ev) => { ev.preventDefault(); onOpen(id) } : undefined}>{n === 0 ? 'incident' : `incident ${n + 1}`}</a>
                    ))}
                    </span>
                  )}
                </p>
                )}
          </li>
        ))}
      </ol>
      <div ref={sentinel} class='sentinel' />
      {cursor && <button type='button' class='secondary' onClick={more} disabled={loading}>{loading ? 'Loading…' : 'Older entries'}</button>}
    </div>
  )
}
