/**
 * Escapes LIKE's wildcards and its escape character, so text taken from a request matches only
 * itself. Prisma's `contains`, `startsWith` and case-insensitive `equals` become LIKE/ILIKE with the
 * value as the pattern and do not escape it: `q=%` matched everything and a lone `\` was a 500.
 */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, '\\$&')
