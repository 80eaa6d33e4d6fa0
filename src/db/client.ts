import type { PrismaClient } from '../generated/prisma/client.ts'

export type Db = PrismaClient
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]
export type DbOrTx = Db | Tx
