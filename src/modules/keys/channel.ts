/** The NOTIFY channel a revoked key's id is sent on: every instance's change hub ends that key's event streams. */
export const KEY_REVOKED_CHANNEL = 'sitrep_key_revoked'
