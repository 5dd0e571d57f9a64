/**
 * Upper bounds on the rows some fields return, shared by the domains that enforce them and by the
 * query cost estimate (src/ops/limits.ts), which must not import the domains.
 */

/** `Room.availability` answers at most this many days (and `bookings` of a room the same window). */
export const MAX_AVAILABILITY_DAYS = 92;

/** `upcomingPublicBenefitSessions` answers at most this many sessions. */
export const UPCOMING_SESSIONS_LIMIT = 50;

/** `PublicBoard.agenda` answers at most this many items (open, then recently decided). */
export const BOARD_AGENDA_LIMIT = 50;

/** A decision links at most this many demand items (`RecordDecisionInput.demandIds`, `AgendaItem.linkedDemands`). */
export const DECISION_LINKS_MAX = 50;
