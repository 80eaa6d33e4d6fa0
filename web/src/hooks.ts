import { useEffect, useState } from 'preact/hooks'

export interface Loaded<T> { data: T | null, error: string | null, loading: boolean }

/**
 * Runs `load` whenever `key` changes, aborting the previous run; keeps the last data while the next
 * loads, so a live refresh does not blank the page.
 */
export function useLoad<T> (key: string, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true })
  useEffect(() => {
    const controller = new AbortController()
    setState((prev) => ({ ...prev, loading: true }))
    load(controller.signal).then(
      (data) => { if (!controller.signal.aborted) setState({ data, error: null, loading: false }) },
      (err: Error) => { if (!controller.signal.aborted) setState({ data: null, error: err.message, loading: false }) }
    )
    return () => controller.abort()
  }, [key])
  return state
}

/** An actor's name once its record has been read (statements carry the speaker's id only). */
export function useActorNames (ids: string[], read: (id: string) => Promise<{ name: string } | null>): Map<string, string> {
  const [names, setNames] = useState(new Map<string, string>())
  const key = [...new Set(ids)].sort().join(',')
  useEffect(() => {
    let live = true
    Promise.all(key ? key.split(',').map(async (id) => [id, (await read(id))?.name ?? 'unknown actor'] as const) : [])
      .then((pairs) => { if (live) setNames(new Map(pairs)) })
    return () => { live = false }
  }, [key])
  return names
}
