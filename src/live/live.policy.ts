import type { PolicyTable } from '../auth/policy';

/**
 * Notifications belong to their addressee: marking reads only touches the caller's own (ids of
 * others' notifications change nothing). Subscriptions: live.service.ts asks auth/policy.ts.
 */
export const LIVE_POLICY = {
  markNotificationsRead: { who: ['SIGNED_IN'], more: 'their own notifications only' },
} satisfies PolicyTable;
