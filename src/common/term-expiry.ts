/**
 * THE expiry rule of contracts, the one definition of it, kept here on the ground floor because it
 * is about dates and two layers need it: spaces (which owns contracts and re-exports it from
 * space-contract.entity.ts) and partners (whose stats count contracts in force without importing
 * spaces). A contract in `from` (ACTIVE) whose `endsAt` (column `ends_at`, midnight after its last
 * day) is at or before now is EXPIRED, whether or not the sweep has recorded it yet.
 */
export const TERM_EXPIRY = { from: 'ACTIVE', to: 'EXPIRED', endsAtColumn: 'ends_at' } as const;

const prefix = (alias: string) => (alias ? `${alias}.` : '');

/**
 * TERM_EXPIRY as an SQL condition on the contract table (`alias.` prefixed when given); `asOf` is
 * the parameter holding now (`:asOf` by default, bound by the caller to the server's clock).
 */
export const expiredSql = (alias = '', asOf = ':asOf') => `(${prefix(alias)}status = '${TERM_EXPIRY.from}' AND ${prefix(alias)}${TERM_EXPIRY.endsAtColumn} <= ${asOf})`;

/** The other side of the rule: ACTIVE and not expired as of `asOf`, i.e. in force. */
export const inForceSql = (alias = '', asOf = ':asOf') => `(${prefix(alias)}status = '${TERM_EXPIRY.from}' AND ${prefix(alias)}${TERM_EXPIRY.endsAtColumn} > ${asOf})`;
