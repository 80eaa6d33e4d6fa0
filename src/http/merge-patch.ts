/**
 * A JSON merge patch (RFC 7386) on a record's top-level fields: each of `fields` the patch names takes
 * the patch's value (null clears it), every other keeps the current one. Nested objects are replaced
 * whole, as the API documents.
 */
export function mergePatch<T, K extends keyof T> (current: T, patch: { [F in K]?: T[F] }, fields: readonly K[]): Pick<T, K> {
  return Object.fromEntries(fields.map((f) => [f, patch[f] === undefined ? current[f] : patch[f]])) as Pick<T, K>
}
