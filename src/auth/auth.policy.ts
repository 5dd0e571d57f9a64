import type { PolicyTable } from './policy';

/** Accounts: anyone signs up and logs in; the rest is about the signed-in user's own account. */
export const AUTH_POLICY = {
  signUp: { who: ['ANYONE'] },
  logIn: { who: ['ANYONE'] },
  changePassword: { who: ['SIGNED_IN'], more: 'their own account (the current password)' },
  logOutEverywhere: { who: ['SIGNED_IN'], more: 'their own sessions' },
} satisfies PolicyTable;
