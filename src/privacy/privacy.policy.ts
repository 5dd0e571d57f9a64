import type { PolicyTable } from '../auth/policy';

/** Personal data (issue #19): a person erases only their own account, with its password. */
export const PRIVACY_POLICY = {
  deleteMyAccount: { who: ['SIGNED_IN'], more: 'their own account (the current password); not while admin, secretary or the only owner of a partner' },
} satisfies PolicyTable;
