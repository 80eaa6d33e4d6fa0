import { useEffect, useState } from 'preact/hooks'
import type { Change } from './types.ts'

export type Freshness = 'new' | 'updated'

export interface Live {
  /** 'connecting' until the stream answers; 'offline' while the browser retries */
  status: 'connecting' | 'live' | 'offline'
  /** bumps when incidents, statements or figures changed: lists re-read */
  revision: number
  /** records changed since the page opened, to mark as new or updated */
  fresh: Map<string, Freshness>
  /** the last change, said aloud to screen readers */
  announcement: string
}

const watched = new Set(['incident', 'statement', 'casualtyReport'])

/**
 * Follows GET /v1/changes/stream (server-sent events). EventSource resumes with Last-Event-ID by
 * itself after a dropped connection, so no change is missed. Bursts (an import, an editor's several
 * saves) are gathered for a moment and cost one re-read.
 */
export function useLive (): Live {
  const [live, setLive] = useState<Live>({ status: 'connecting', revision: 0, fresh: new Map(), announcement: '' })
  useEffect(() => {
    const source = new EventSource('/v1/changes/stream')
    let pending: Change[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = () => {
      const batch = pending
      pending = []
      setLive((prev) => {
        const fresh = new Map(prev.fresh)
        for (const c of batch) {
          if (c.action === 'deleted') fresh.delete(c.id)
          else if (c.entity !== 'casualtyReport') fresh.set(c.id, c.action === 'created' || fresh.get(c.id) === 'new' ? 'new' : 'updated')
        }
        const made = batch.filter((c) => c.action === 'created' && c.entity !== 'casualtyReport').length
        const announcement = made ? `${made} new record${made === 1 ? '' : 's'}` : `${batch.length} change${batch.length === 1 ? '' : 's'}`
        return { ...prev, revision: prev.revision + 1, fresh, announcement }
      })
    }
    source.onopen = () => setLive((prev) => ({ ...prev, status: 'live' }))
    source.onerror = () => setLive((prev) => ({ ...prev, status: source.readyState === EventSource.CLOSED ? 'offline' : 'connecting' }))
    source.addEventListener('change', (event) => {
      const change = JSON.parse((event as MessageEvent<string>).data) as Change
      if (!watched.has(change.entity)) return
      pending.push(change)
      clearTimeout(timer)
      timer = setTimeout(flush, 250)
    })
    return () => {
      clearTimeout(timer)
      source.close()
    }
  }, [])
  return live
}
