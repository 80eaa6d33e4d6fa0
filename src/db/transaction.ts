/** For updates and deletes: `expect` sees the current version under the row lock (If-Match) and may refuse. */
export interface ChangeOptions { expect?: (version: number) => void }
