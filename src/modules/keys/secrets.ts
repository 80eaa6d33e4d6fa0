import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// A key reads `sitrep_<prefix>_<secret>`: the prefix finds the row, the whole string is checked
// against its SHA-256 (the secret has 192 bits of entropy, so a slow hash adds nothing).
export function newSecret () {
  const prefix = randomBytes(6).toString('hex')
  const secret = `sitrep_${prefix}_${randomBytes(24).toString('base64url')}`
  return { prefix, secret, hash: hashSecret(secret) }
}

export function hashSecret (secret: string) {
  return createHash('sha256').update(secret).digest('hex')
}

export function prefixOf (secret: string): string | null {
  const m = /^sitrep_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(secret)
  return m ? m[1] : null
}

export function secretMatches (secret: string, hash: string) {
  const a = Buffer.from(hashSecret(secret), 'hex')
  const b = Buffer.from(hash, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}
