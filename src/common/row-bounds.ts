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

/** A room has at most this many weekly slots (CreateRoomInput/UpdateRoomInput.weeklySlots' @ArrayMaxSize). */
export const MAX_WEEKLY_SLOTS = 100;

/**
 * Bounds read from the data for the query cost estimate (src/ops/limits.ts), so that a query is
 * costed for what it may really return rather than for what the inputs would allow.
 */
export interface DataBounds {
  /** The most weekly slots any room has now. */
  roomSlots: number;
}

/** Before anything is read: the most the inputs allow. */
export const WORST_BOUNDS: DataBounds = { roomSlots: MAX_WEEKLY_SLOTS };
/** A rating round rates at most this many partners (and so publishes at most this many results). */
export const ROUND_PARTNERS_MAX = 50;

/** A rating round's panel has at most this many members. */
export const PANEL_MAX = 50;

/** `PublicBoard.ratings` answers at most this many results. */
export const BOARD_RATINGS_MAX = 100;

/** `Partner.ratings` answers at most this many results, the newest. */
export const PARTNER_RATINGS_MAX = 20;

/** `PublicBoard.agenda` answers at most this many items (open, then recently decided). */
export const BOARD_AGENDA_LIMIT = 50;

/** A decision links at most this many demand items (`RecordDecisionInput.demandIds`, `AgendaItem.linkedDemands`), and as many projects (`projectIds`, `linkedProjects`). */
export const DECISION_LINKS_MAX = 50;
