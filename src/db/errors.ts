// What a database error means, whichever layer raised it: pg, Prisma's driver adapter or Prisma's client
// (each wraps the one below as `cause`, and the adapter drops the socket error's code).

interface ErrorLike {
  code?: unknown
  originalCode?: unknown
  kind?: unknown
  message?: unknown
  cause?: unknown
  meta?: { code?: unknown, driverAdapterError?: { cause?: { originalCode?: unknown, kind?: unknown } } }
}

/** The error and its causes, outermost first. */
function * chain (err: unknown): Generator<ErrorLike> {
  for (let e = err as ErrorLike | undefined, depth = 0; e && depth < 6; e = e.cause as ErrorLike | undefined, depth++) yield e
}

/** Every error code along the chain: PostgreSQL's SQLSTATE, Prisma's P-codes, Node's socket codes. */
function codeChain (err: unknown): string[] {
  const codes: string[] = []
  for (const e of chain(err)) {
    for (const c of [e.code, e.originalCode, e.meta?.driverAdapterError?.cause?.originalCode, e.meta?.code]) {
      if (typeof c === 'string') codes.push(c)
    }
  }
  return codes
}

const hasCode = (err: unknown, wanted: (code: string) => boolean) => codeChain(err).some(wanted)

export const isUniqueViolation = (err: unknown) => hasCode(err, (c) => c === '23505' || c === 'P2002')
export const isForeignKeyViolation = (err: unknown) => hasCode(err, (c) => c === '23503' || c === 'P2003')
export const isCheckViolation = (err: unknown) => hasCode(err, (c) => c === '23514')
/** A deadlock or serialization failure: the transaction was rolled back and may simply be retried. */
export const isTransientConflict = (err: unknown) => hasCode(err, (c) => c === '40P01' || c === '40001')
/** PostgreSQL cancelled the statement (query_canceled): it ran past statement_timeout. */
export const isStatementTimeout = (err: unknown) => hasCode(err, (c) => c === '57014')

// Error codes meaning "the database cannot be reached right now": network errors from the driver,
// PostgreSQL's connection-exception class (08), too many connections (53300) and admin/crash
// shutdown codes (57P01-57P03).
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  '53300', '57P01', '57P02', '57P03', 'P1001', 'P1002', 'P1017'])

// The same, as Prisma's driver adapter names them (it drops the socket error's code).
const unavailableKinds = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections'])

const unavailableMessages = /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|DatabaseNotReachable|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i

export function isDatabaseUnavailable (err: unknown): boolean {
  for (const e of chain(err)) {
    const adapter = e.meta?.driverAdapterError?.cause
    const code = e.code ?? e.originalCode ?? adapter?.originalCode
    if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) return true
    if (unavailableKinds.has(String(e.kind)) || unavailableKinds.has(String(adapter?.kind))) return true
    if (typeof e.message === 'string' && unavailableMessages.test(e.message)) return true
  }
  return false
}

// Prisma's interactive transaction could not get a connection within maxWait (the pool is saturated),
// or ran past its timeout; either way the write was not done and may be retried.
const busyMessages = /Unable to start a transaction in the given time|expired transaction|timeout for this transaction/

/** The database is reachable but too busy to take the request now. */
export function isDatabaseBusy (err: unknown): boolean {
  for (const e of chain(err)) {
    if (e.code === 'P2028' && typeof e.message === 'string' && busyMessages.test(e.message)) return true
  }
  return false
}
