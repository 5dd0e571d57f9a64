import type { PolicyTable } from '../auth/policy';

/** A user changes only their own account; who reads what of a person: users.visibility.ts. */
export const USERS_POLICY = {
  setMyLocale: { who: ['SIGNED_IN'], more: 'their own account' },
} satisfies PolicyTable;
