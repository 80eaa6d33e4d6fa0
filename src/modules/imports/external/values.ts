// Values as ACLED and UCDP write them in their CSV files.

/**
 * A calendar date (2025-10-09, optionally followed by a midnight time as UCDP writes it) as the
 * instant that day starts in UTC, or null when it is not a real date.
 */
export function calendarDate (value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?Z?)?$/.exec(value.trim())
  if (!m) return null
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  if (date.getUTCFullYear() !== Number(m[1]) || date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3])) return null
  return date.toISOString()
}

/** A latitude or longitude within ±limit, or null. */
export function coordinate (value: string, limit: number): number | null {
  if (!/^-?\d+(\.\d+)?$/.test(value.trim())) return null
  const n = Number(value)
  return Math.abs(n) <= limit ? n : null
}

/** A whole number of people (0 and up), or null. */
export function count (value: string): number | null {
  if (!/^\d{1,8}$/.test(value.trim())) return null
  return Number(value)
}

/** A dataset's free-text tag as one of ours (lower-case words joined by hyphens), or null when nothing is left of it. */
export function tagOf (value: string): string | null {
  const tag = value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '')
  return tag === '' ? null : tag
}
