/**
 * English messages, by id (ICU MessageFormat; an apostrophe is always a plain apostrophe). Every id
 * here must be in every other catalogue with the same arguments (test/i18n.test.ts); see docs/i18n.md.
 * `{what, select, ...}` names come from `thing` ids below so each language says them its own way.
 */
export const en = {
  // Things named in messages (NotFound and friends).
  thing:
    '{what, select, community {community} room {room} user {user} partner {partner} partnership {partnership} contract {contract} booking {booking} match {match} demand {demand item} offer {offer} volunteer {volunteer} serviceLog {service log} spaceContract {space contract} demandItem {demand item} supplyOffer {supply offer} other {{what}}}',
  status:
    '{status, select, PENDING {PENDING} PENDING_REVIEW {PENDING_REVIEW} PROPOSED {PROPOSED} ACTIVE {ACTIVE} APPROVED {APPROVED} REJECTED {REJECTED} VERIFIED {VERIFIED} CANCELLED {CANCELLED} CONFIRMED {CONFIRMED} TERMINATED {TERMINATED} EXPIRED {EXPIRED} FULFILLED {FULFILLED} WITHDRAWN {WITHDRAWN} ENDED {ENDED} OPEN {OPEN} MATCHED {MATCHED} DECLINED {DECLINED} PAUSED {PAUSED} other {{status}}}',
  slot: '{weekday} {startTime}-{endTime}',
  demandCategory:
    '{category, select, GOODS {GOODS} SPACE {SPACE} EXPERTISE {EXPERTISE} FUNDING {FUNDING} EVENT {EVENT} VOLUNTEER_SERVICE {VOLUNTEER_SERVICE} OTHER {OTHER} other {{category}}}',
  fieldError: '{path}: {message}',
  fieldErrorSeparator: '; ',

  // Refusals every part of the API uses.
  'error.unauthenticated': 'You must be signed in to do this',
  'error.forbidden': 'You are not allowed to do this',
  'error.notFound': '{what} {id} does not exist',
  'error.notFound.field': 'no {what} with this id',
  'error.rateLimited': 'Too many requests; retry in {seconds} s',
  'error.invalidTransition': '{object} cannot go from {from} to {to}',
  'error.changedMeanwhile': '{object} {id} changed while you were acting on it; reload it',
  'error.internal': 'Internal server error',
  'error.malformed': 'A value in the request is malformed (IDs are UUIDs)',
  'error.malformed.field': 'malformed value',
  'error.locale': 'is not a supported language; use one of {locales}',

  // Field messages shared by many inputs.
  'field.mustBeInFuture': 'must be in the future',
  'field.mustNotBeInFuture': 'must not be in the future',
  'field.mustBeAfter': 'must be after {other}',
  'field.mustNotBeBefore': 'must not be before {other}',
  'field.mustNotBeEmpty': 'must not be empty',
  'field.required': 'is required',
  'field.atMostDaysAfter': 'may be at most {days, plural, one {# day} other {# days}} after {other}',
  'field.rangeAtMostDays': 'the range may span at most {days, plural, one {# day} other {# days}}',
  'field.termAtMostDays': 'the term may span at most {days, plural, one {# day} other {# days}}',
  'field.betweenZeroAnd': 'must be between 0 and {max}',
  'field.todayOrLater': 'must be today ({today}, {zone}) or later',
  'field.localDate': 'must be a calendar date written YYYY-MM-DD, e.g. 2026-12-20',
  'field.timeZone': 'is not an IANA time zone, e.g. Asia/Shanghai',
  'field.taken': 'is taken',
  'field.listedTwice': 'is listed twice',
  'field.isStatus': 'is {status}',
  'field.notificationId': 'not a notification id',
  'field.atMostAtATime': 'at most {max} at a time',

  // Communities and rooms.
  'slot.startBeforeEnd': 'startTime must be before endTime (a slot cannot cross midnight)',
  'slot.overlaps': 'overlaps {other} ({slot})',
  'community.roomNameTaken': 'This community already has a room called "{name}"',
  'community.bookingsOnRemovedSlots':
    '{count, plural, one {# confirmed future booking falls} other {# confirmed future bookings fall}} on slots this change removes; cancel them (or terminate their contracts) first',

  // Bookings.
  'booking.horizon': 'may be at most {days, plural, one {# day} other {# days}} ahead',
  'booking.notAnOccurrence': "is not the start of an occurrence of this room's weekly slots (local time in {zone})",
  'booking.contractNeedsPartner': 'needs the partnerId of the contract',
  'booking.slotRemoved': "This slot was just removed from the room's weekly slots",
  'booking.alreadyBooked': 'This occurrence is already booked',
  'booking.notPartnersContract': "is not this partner's contract for this room",
  'booking.contractNotActive': "The contract is {status}; only an ACTIVE contract's occurrences can be booked",
  'booking.notContractOccurrence': "is not an occurrence of this contract's weekly slots within its term",
  'booking.alreadyStarted': 'A booking that has already started cannot be cancelled',
  'booking.cancelled.notice': 'The booking of {room} on {when} ({purpose}) was cancelled: {reason}',

  // Space contracts.
  'contract.slotNotOffered': "{slot} is not one of the room's weekly slots",
  'contract.noOccurrence': 'the term holds no occurrence of the chosen weekly slots',
  'contract.partnershipNotActive': 'The partner no longer has an ACTIVE partnership with this community',
  'contract.bookedConcurrently': 'Occurrences of the term were booked concurrently; review the conflicts and try again',
  'contract.termEnded': 'The term ended on {endsOn}; it can no longer be approved',
  'contract.slotsRemoved': 'The room no longer offers {slots}',
  'contract.noFutureOccurrence': 'No occurrence of the term is still in the future',
  'contract.occurrencesTaken':
    '{taken} of {total, plural, one {# occurrence} other {# occurrences}} of the term {taken, plural, one {is} other {are}} already taken{noneFree, select, yes {; none is free} other {}}',
  'contract.effectiveAfterEnd': "must not be after the contract's endsOn ({endsOn})",
  'contract.expiredAt': 'The contract expired at the end of {endsOn}',
  'contract.proposed.notice': '{partner} proposes "{title}" in {room}, {startsOn} to {endsOn}; review it',
  'contract.rejected.notice': '{community} rejected your contract "{title}" for {room}{hasNote, select, yes {: {note}} other {}}',
  'contract.approved.notice':
    '{community} approved your contract "{title}" for {room}; its sessions are booked{hasNote, select, yes {: {note}} other {}}',
  'contract.terminated.notice':
    'The contract "{title}" of {partner} for {room} is terminated from {on}; its sessions from then on are cancelled: {reason}',
  'contract.expired.notice': 'Your contract "{title}" for {room} ended with its term on {endsOn}',
  'history.skippedOccurrences': 'Skipped {count, plural, one {# taken occurrence} other {# taken occurrences}}: {occurrences}',
  'history.termEnded': 'The term ended',
  'history.bookedByApproval': 'Booked by the approval of its contract',
  'history.contractTerminated': 'Contract terminated: {reason}',
  'history.partnershipEnded': 'Partnership ended: {reason}',

  // Offers and suggestions.
  'offer.unknownCommunity': 'no community with this id',
  'reason.sameCategory': 'Same category ({category})',
  'reason.coversAll': 'Covers all {needed} {unit} still needed',
  'reason.coversPart': 'Covers {offered} of the {needed} {unit} still needed',
  'reason.otherUnit': 'Offered in {offered}, needed in {needed}',
  'reason.noEndDate': 'Available with no end date',
  'reason.availableUntil': 'Available until {until}',
  'reason.availablePastNeededBy': 'Available until {until}, past the needed-by date',
  'reason.availableBeforeNeededBy': 'Available only until {until}, before the needed-by date {neededBy}',
  'reason.similarWording': 'Similar wording ({percent}% alike)',
  'reason.littleInCommon': 'Little in common in wording: check that it fits',
  'reason.rated': 'Partner rated {rating}/5',
  'reason.fulfilled': 'Partner has fulfilled {count, plural, one {# match} other {# matches}}',
  'reason.urgent': 'Urgent demand',
  'reason.highUrgency': 'High urgency',

  // Service hours.
  'serviceLog.cannotSee': 'You may not see this service log',
  'serviceLog.minLength': 'must be at least 1 minute after startedAt',
  'serviceLog.maxLength': 'must be at most 12 hours after startedAt',
  'serviceLog.maxAge': 'must be within the last {days, plural, one {# day} other {# days}}',
  'serviceLog.notOfPartner': 'is not a {what} of this partner in this community',
  'serviceLog.targetNotLive': 'Service can be logged against a {what} only while it is {live}; it is {status}',
  'serviceLog.matchNeedsPartner': 'needs partnerId: service for a match is given for its partner',
  'serviceLog.contractNeedsPartner': 'needs partnerId: service for a contract is given for its partner',
  'serviceLog.matchOrContract': 'give either matchId or contractId, not both',
  'serviceLog.tooLongAgo': 'is too long ago',
  'serviceLog.outOfRange': 'is in the future or out of range',
  'serviceLog.overlapsField': 'overlaps another of your service logs',
  'serviceLog.overlaps': 'This overlaps another of your service logs',
  'serviceLog.overlapsOne': 'This overlaps your service log {id} ({from} to {to})',
  'serviceLog.atLeastOne': 'must name at least one service log',
  'serviceLog.atMost': 'may name at most {max} service logs',
  'serviceLog.mayNotDecide': 'You may not decide service logs {ids}',
  'serviceLog.onlyPending': 'Only PENDING service logs can be decided: {logs}',
  'serviceLog.isStatus': '{id} is {status}',
  'serviceLog.decided.notice':
    'Your service log "{description}" ({minutes} min) was {status, select, VERIFIED {verified} other {rejected}}{hasNote, select, yes {: {note}} other {}}',
  // ---- Notifications of partnerships and matches (issue #12, lifecycle hooks): keep this block last.
  'notification.partnership.reviewed':
    '{community} {approved, select, yes {approved} other {rejected}} your partnership request{hasNote, select, yes {: {note}} other {}}',
  'notification.partnership.ended': 'The partnership of {partner} with {community} has ended: {reason}',
  'notification.match.demandCancelled': '{community} cancelled "{title}"; your match of {quantity} {unit} is withdrawn: {reason}',
  'notification.match.claimed': '{partner} claimed {quantity} {unit} of "{title}"{hasNote, select, yes {: {note}} other {}}',
  'notification.match.dispatched':
    '{community} asks for {quantity} {unit} of your offer for "{title}"; accept or decline it{hasNote, select, yes {: {note}} other {}}',
  'notification.match.dispatchAnswered':
    '{partner} {accepted, select, yes {accepted} other {declined}} the dispatch of {quantity} {unit} for "{title}"{hasNote, select, yes {: {note}} other {}}',
  'notification.match.reviewed':
    '{community} {approved, select, yes {approved} other {rejected}} your claim of {quantity} {unit} of "{title}"{hasNote, select, yes {: {note}} other {}}',
  'notification.match.withdrawn': 'The match of {partner} for "{title}" ({quantity} {unit}) was withdrawn: {reason}',
  'notification.match.fulfilled': '{community} confirmed the delivery of {quantity} {unit} for "{title}"{hasNote, select, yes {: {note}} other {}}',
  'notification.match.evaluated': '{community} rated your delivery for "{title}" {rating}/5{hasNote, select, yes {: {note}} other {}}',
  // ---- Residents (issue #14): keep this block last.
  'residency.alreadyResident': 'You already live in this community',
  'residency.notResident': 'You do not live in this community',
  'residency.notFound': 'User {id} does not live in this community',
  'residency.notFound.field': 'does not live in this community',
  'request.residentsOnly': 'Only residents of this community may raise requests here; join it first',
  'request.reasonRequired': 'is required to decline a request',
  'request.demandRequired': 'is required to put a request on the demand list',
  'request.mergeRequired': 'is required to merge a request',
  'request.sameCommunity': "must be in the request's community",
  'request.demandNotOpen': 'Only an open demand item can take a request; this one is {status}',
  'request.merged': 'Merged into "{title}"',
  'request.score': 'must be a whole number from 1 to 5',
  'request.ratedOnce': 'This request is rated already; a request is rated once',
  'request.rateResolved': 'Only a RESOLVED request is rated; this one is {status}',
  'request.alreadyTriaged': 'This request is {status}; only a SUBMITTED request is triaged',
  'notification.request.changed':
    'Your request "{title}" {status, select, ACCEPTED {is on the demand list} IN_PROGRESS {is being taken care of} AWAITING_INSPECTION {is done and waits for inspection} RESOLVED {is resolved} DECLINED {was declined} other {is {status}}}{hasNote, select, yes {: {note}} other {}}',
} satisfies Record<string, string>;

export type MessageId = keyof typeof en;
