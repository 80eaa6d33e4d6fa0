import { z } from 'zod'
import { inInstantRange, instantRangeMessage, instantSchema } from './list.ts'

// Shapes shared by every resource.
export const idParams = z.object({ id: z.uuid().describe('the record id') })

export const timestamps = {
  createdAt: z.iso.datetime().describe('when the record was created (UTC)'),
  updatedAt: z.iso.datetime().describe('when the record last changed (UTC)'),
  version: z.number().int().min(1).describe('starts at 1, +1 on every change')
}

export const languageSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or ps-AF')

/** Text fields: trimmed, non-empty, bounded. */
export const text = (max: number) => z.string().trim().min(1).max(max)

/** A timestamp as a row holds it: a Date, or already the ISO string a view prints (src/db/rows.ts, isoTimestamps). */
export type Instant = Date | string

export const iso = (d: Instant) => (typeof d === 'string' ? d : d.toISOString())
export const isoOrNull = (d: Instant | null) => (d === null ? null : iso(d))

export const asOfParam = instantSchema.optional()
  .describe('return the record as it stood at this time, from its change log ("what did we publish on 10 October?")')

/** A timestamp in a request body; stored as given, answered in UTC. */
export const timestampInput = z.iso.datetime({ offset: true })
  // zod runs this check on malformed strings too; those already have their error.
  .refine((s) => Number.isNaN(Date.parse(s)) || inInstantRange(new Date(s)), instantRangeMessage)
  .describe('RFC 3339 timestamp')

/**
 * A number in the query string. `z.coerce.number()` alone reads `minFatalities=` (and `= `) as 0,
 * a filter silently widened to "any"; an empty value is a 400 like any other malformed one.
 */
export const queryNumber = <T extends z.ZodType<number>>(inner: T) => z.preprocess((value, ctx) => {
  if (typeof value === 'string' && value.trim() === '') {
    ctx.issues.push({ code: 'custom', message: 'must be a number; leave the parameter out instead of sending it empty', input: value })
    return z.NEVER
  }
  return value
}, inner)
