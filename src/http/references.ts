import type { Tx } from '../db/client.ts'
import { lockReferences, type BrokenReference, type Reference, type ReferenceOptions } from '../db/references.ts'
import { validationProblem, type Problem } from './problems.ts'

/** The 400 naming every reference in the body that is not a live record. */
export const referenceProblem = (broken: BrokenReference[]): Problem =>
  validationProblem(broken.map((b) => ({ in: 'body' as const, ...b })))

/** Locks what the references name (src/db/references.ts) and throws the 400 when one is not a live record. */
export async function assertReferencesExist (tx: Tx, refs: Reference[], opts: ReferenceOptions = {}) {
  const broken = await lockReferences(tx, refs, opts)
  if (broken.length > 0) throw referenceProblem(broken)
}
