/** Escapes `\`, `%` and `_` so user text matches literally inside an ILIKE pattern (the default `\` escape). */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
