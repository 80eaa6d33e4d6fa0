function codeChain (err: unknown): string[] {
  const codes: string[] = []
  for (let e: any = err, depth = 0; e && depth < 6; e = e.cause, depth++) {
    for (const c of [e.code, e.originalCode, e.meta?.driverAdapterError?.cause?.originalCode, e.meta?.code]) {
      if (typeof c === 'string') codes.push(c)
    }
  }
  return codes
}

export const isUniqueViolation = (err: unknown) => codeChain(err).some((c) => c === '23505' || c === 'P2002')
export const isForeignKeyViolation = (err: unknown) => codeChain(err).some((c) => c === '23503' || c === 'P2003')
export const isCheckViolation = (err: unknown) => codeChain(err).some((c) => c === '23514')
/** A deadlock or serialization failure: the transaction was rolled back and may simply be retried. */
export const isTransientConflict = (err: unknown) => codeChain(err).some((c) => c === '40P01' || c === '40001')
