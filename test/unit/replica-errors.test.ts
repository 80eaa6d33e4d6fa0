import { describe, expect, it } from 'vitest'
import { isReplicaUnavailable, replicaName } from '../../src/db/replicas.ts'

describe('isReplicaUnavailable: which failed reads may be sent again to the primary', () => {
  it('when the connection failed or the standby cancelled the query, then yes', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001', '40001']) {
      expect(isReplicaUnavailable(Object.assign(new Error('x'), { code })), code).toBe(true)
    }
    expect(isReplicaUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(isReplicaUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true)
  })

  it('when the query itself is wrong or timed out, then no: the primary would answer the same', () => {
    for (const code of ['42P01', '22P02', '57014', '23505', '40P01']) {
      expect(isReplicaUnavailable(Object.assign(new Error('x'), { code })), code).toBe(false)
    }
    expect(isReplicaUnavailable(new Error('something else'))).toBe(false)
    expect(isReplicaUnavailable(undefined)).toBe(false)
  })
})

describe('replicaName', () => {
  it('names a replica by host, port and database, never its credentials', () => {
    expect(replicaName('postgresql://api:s3cret@replica-1.internal:6432/sitrep')).toBe('replica-1.internal:6432/sitrep')
    expect(replicaName('postgres://api:s3cret@replica-2/sitrep')).toBe('replica-2:5432/sitrep')
  })
})
