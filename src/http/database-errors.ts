// Error codes meaning "the database cannot be reached right now": network errors from the driver,
// PostgreSQL's connection-exception class (08) and admin/crash shutdown codes (57P01-57P03).
const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', 'P1001', 'P1002', 'P1017'])

const unavailableMessages = /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|DatabaseNotReachable|the database system is (starting up|shutting down)/i

export function isDatabaseUnavailable (err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 6; e = e.cause, depth++) {
    const code = e.code ?? e.originalCode ?? e.meta?.driverAdapterError?.cause?.originalCode
    if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) return true
    if (e.kind === 'DatabaseNotReachable' || e.meta?.driverAdapterError?.cause?.kind === 'DatabaseNotReachable') return true
    if (typeof e.message === 'string' && unavailableMessages.test(e.message)) return true
  }
  return false
}
