/**
 * Upper bounds on the rows some fields return, shared by the domains that enforce them and by the
 * query cost estimate (src/ops/limits.ts), which must not import the domains.
 */

/** `Room.availability` answers at most this many days (and `bookings` of a room the same window). */
export const MAX_AVAILABILITY_DAYS = 92;

/** `upcomingPublicBenefitSessions` answers at most this many sessions. */
export const UPCOMING_SESSIONS_LIMIT = 50;

/** A space contract's longest term, both days counted (a leap year); checkContract answers a whole term. */
export const MAX_TERM_DAYS = 366;
