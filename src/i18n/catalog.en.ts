/**
 * English messages, by id (ICU MessageFormat; an apostrophe is always a plain apostrophe). Every id
 * here must be in every other catalogue with the same arguments (test/i18n.test.ts); see docs/i18n.md.
 * `{what, select, ...}` names come from `thing` ids below so each language says them its own way.
 */
export const en = {
  // Things named in messages (NotFound and friends).
  thing:
    '{what, select, community {community} room {room} user {user} partner {partner} partnership {partnership} contract {contract} booking {booking} match {match} demand {demand item} offer {offer} volunteer {volunteer} serviceLog {service log} signedLink {signed link} invitation {invitation} spaceContract {space contract} demandItem {demand item} supplyOffer {supply offer} other {{what}}}',
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
  // ---- Accounts and sign-in (src/auth). Added by s4-messages.
  'auth.accountGone': 'This account no longer exists',
  'auth.sessionExpired': 'Your session has expired; log in again',
  'auth.sessionEnded': 'This session has ended (logged out everywhere or password changed); log in again',
  'auth.bearerFormat': 'Authorization header must be "Bearer <token>"',
  'auth.invalidToken': 'Invalid token',
  'auth.wrongCredentials': 'Wrong email or password',
  'auth.signUpRefused': 'Cannot sign up with this email; if you have an account, log in',
  'auth.signUpRefused.field': 'cannot be used to sign up',
  'auth.adminPassword': "The admin's password is set by the ADMIN_PASSWORD configuration; change it there and restart",
  'auth.notCurrentPassword': 'is not your current password',
  'auth.samePassword': 'must differ from the current password',
  'auth.tooManyFailures': 'Too many failed attempts; retry in {seconds} s',
  'password.tooShort': 'must be at least {min} characters',
  'password.tooLong': 'must be at most {max} characters',
  'password.tooEasy':
    'is too easy to guess{warning, select, none {} common { (a commonly used password)} similarToCommon { (similar to a commonly used password)} straightRow { (a straight row of keys)} keyPattern { (a short keyboard pattern)} simpleRepeat { (repeated characters)} extendedRepeat { (repeated character patterns)} sequences { (a common character sequence)} recentYears { (a recent year)} dates { (a date)} topTen { (one of the ten most used passwords)} topHundred { (one of the hundred most used passwords)} userInputs { (contains your name or e-mail)} namesByThemselves { (a name on its own)} commonNames { (a common name)} pwned { (found in a data breach)} other {}}; use a longer phrase of unrelated words',

  // ---- Who may do what (src/auth/policy.ts). Added by s4-messages.
  'policy.notAllowed': 'You may not do this',
  'policy.adminOnly': 'Only an admin may do this',
  'policy.secretaryOnly': 'Only a secretary of this community may do this',
  'policy.partnerOwnerOnly': 'Only an owner of this partner may do this',
  'policy.partnerMemberOnly': 'Only a member of this partner may do this',
  'policy.partnerOrSecretary': 'Only the partner or a secretary of this community may do this',
  'policy.ownServiceLog': 'Nobody verifies their own service log ({id})',
  'policy.verifyNeedsSecretary': 'Only a secretary of its community may verify service log {id}',
  'policy.listServiceLogs': 'You may list your own service logs, those of partners you belong to and of communities you are secretary of',
  'policy.serviceHours': 'Only a secretary of the community, a member of the partner or an admin may see these service hours',
  'policy.certificate': 'Only the volunteer, a secretary of a community they served or an admin may see this certificate',

  // ---- Operation limits (src/ops, src/live/websocket.ts, src/app.ts). Added by s4-messages.
  'ops.queryTooLarge': 'Query too large to estimate: {reason}',
  'ops.queryCost': 'Query cost {cost} exceeds the limit of {maxCost}',
  'ops.queryDepth': 'Query depth {depth} exceeds the limit of {maxDepth}',
  'ops.tooMany':
    'The operation has {known, select, yes {{found}} other {too many}} {what, select, aliases {aliases} directives {directives} other {{what}}}; at most {max} are accepted',
  'ops.expensiveFields': 'At most one of {fields} per operation; this one asks for {count} ({asked})',
  'ops.expensiveFields.field': 'a second password-hashing field ({field}) in one operation; send it as its own request',
  'ops.subscriptionsPerConnection': 'At most {max} subscriptions at once on one connection; complete one first',
  'ops.idempotencyKeyFormat': 'must be 1 to 255 visible ASCII characters',
  'ops.idempotencyKeyReused': 'this key was already used with a different request; use a new key',
  'ops.idempotencyInProgress': 'A request with this Idempotency-Key is still in progress; retry shortly',
  'ops.bodyTooLarge': 'Request body too large',
  'ops.badRequest': 'Bad request{detail, select, none {} other {: {detail}}}',
  'ops.malformedJson': 'The request body is not valid JSON',

  // ---- Field messages of input checks (src/common, class-validator decorators). Added by s4-messages.
  'field.atMostChars': 'must be at most {max, plural, one {# character} other {# characters}}',
  'field.lengthBetween': 'must be {min} to {max} characters long',
  'field.atLeast': 'must be at least {min}',
  'field.atMost': 'must be at most {max}',
  'field.integer': 'must be a whole number',
  'field.text': 'must be text',
  'field.uuid': 'is not an id',
  'field.uuids': 'must be ids',
  'field.email': 'must be an email address',
  'field.oneOf': 'must be one of {values}',
  'field.notBlank': 'must not be blank',
  'field.listAtMost': 'may list at most {max, plural, one {# item} other {# items}}',
  'field.listAtLeast': 'must list at least {min, plural, one {# item} other {# items}}',
  'field.listUnique': 'must not list an item twice',
  'field.invalid': 'is not valid',
  'field.loneSurrogate': 'is not well-formed Unicode (a lone surrogate)',
  'field.bidiControl': 'must not contain bidirectional control characters ({code})',
  'field.controlChars': 'must not contain control characters ({code})',
  'field.oneLine': 'must be one line: no tabs or line breaks ({code})',
  'field.yearRange': 'must be between {from} and {to}',
  'field.date': 'must be a date YYYY-MM-DD',
  'field.oneDate': 'must be one date YYYY-MM-DD',
  'field.givenOnce': 'must be given once',
  'field.betweenOneAnd': 'must be between 1 and {max}',
  'field.wholeDays': 'must be a whole number of days from 1 to {max}',
  'field.notACursor': 'not a cursor of this list',
  'scalar.invalid': '{name} must be {expected, select, localTime {a local time HH:MM} localDate {a calendar date YYYY-MM-DD} other {{expected}}}, got {value}',

  // ---- Partners, memberships and invitations (src/partners). Added by s4-messages.
  'invitation.notPending':
    'This invitation is {status, select, ACCEPTED {ACCEPTED} DECLINED {DECLINED} REVOKED {REVOKED} EXPIRED {EXPIRED} other {{status}}}, no longer PENDING',
  'partner.notMember': 'You are not a member of this partner',
  'partner.onlyOwner': 'You are the only owner of {partner}; invite another owner (role OWNER) before leaving',
  'partner.partnershipExists': 'This partner already has a pending or active partnership with this community',
  'partner.noActivePartnership': 'This partner has no ACTIVE partnership with this community',
  'partner.noActivePartnership.field': 'the partner has no ACTIVE partnership here',

  // ---- Signed links and the pages they open (src/links). Added by s4-messages.
  'link.ownerOnly': 'Only an owner of this partner may link its members’ certificates',
  'link.notMember': 'This volunteer is not a member of this partner',
  'link.noService': 'This volunteer has no verified service in your communities',
  'link.revokeOnly': 'Only the link’s creator or an admin may revoke it',
  'page.unknown.title': 'Invalid link',
  'page.unknown.text': 'This link cannot be found. Check that the address is complete, or ask whoever sent it for a new link.',
  'page.expired.title': 'Link expired',
  'page.expired.text':
    'This link is past its validity and no longer shows its page. Ask whoever sent it (the community secretary, the volunteer or the partner’s owner) for a new link.',
  'page.revoked.title': 'Link revoked',
  'page.revoked.text': 'Whoever sent this link has revoked it; it no longer shows its page. If you still need it, ask them for a new link.',
  'page.failed.title': 'The page cannot be shown right now',
  'page.failed.text': 'Something went wrong on the server; please try again later.',

  // ---- Service hours: export, certificate (src/service-hours). Added by s4-messages.
  'serviceLog.certificateTooMany': 'the period holds more than {max} logs; choose a shorter one',
  'serviceLog.noVerifiedInPeriod': 'This volunteer has no verified service in your communities in this period',
  'csv.id': 'Log ID',
  'csv.community': 'Community',
  'csv.volunteer': 'Volunteer',
  'csv.partner': 'Partner',
  'csv.started': 'Started ({zone})',
  'csv.ended': 'Ended ({zone})',
  'csv.minutes': 'Minutes',
  'csv.description': 'Description',
  'csv.status': 'Status',
  'csv.verifier': 'Verified by',
  'csv.verified': 'Verified at ({zone})',
  'csv.matchId': 'Match ID',
  'csv.contractId': 'Contract ID',
  'csv.statusValue': '{status, select, PENDING {Pending} VERIFIED {Verified} REJECTED {Rejected} other {{status}}}',
  'certificate.title': 'Certificate of volunteer service',
  'certificate.pageTitle': 'Certificate of volunteer service - {name}',
  'certificate.body':
    'This certifies that {name} {period, select, between {served the community as a volunteer from {from} to {to}} since {served the community as a volunteer from {from} to {to}} other {served the community as a volunteer up to {to}}}: {count, plural, one {{countText} service} other {{countText} services}} verified by its communities, {duration} in all ({total, plural, one {# minute} other {# minutes}}).',
  'certificate.duration': '{hours, plural, one {# hour} other {# hours}} {minutes, plural, one {# minute} other {# minutes}}',
  'certificate.nextDay': '{time} (next day)',
  'certificate.limitedTo': 'This certificate holds only the records verified by these communities: {communities}.',
  'certificate.limitedToPartner': 'This certificate holds only the service given for {partner}.',
  'certificate.col.number': 'No.',
  'certificate.col.when': 'Time',
  'certificate.col.community': 'Verifying community',
  'certificate.col.partner': 'Partner',
  'certificate.col.description': 'Service',
  'certificate.col.minutes': 'Minutes',
  'certificate.col.verified': 'Verified by, on',
  'certificate.none': 'No verified service in this period.',
  'certificate.issuedOn': 'Issued on {date}',
  'certificate.note': 'Generated from the service logs verified by the community secretaries; only verified logs are listed; times are each community’s local time.',

  // ---- Room calendar feeds (src/spaces/calendar*). Added by s4-messages.
  'calendar.booked': 'Booked',
  'calendar.session': '{partner}: {purpose}',
  'calendar.noRoom': 'No such room',
  'calendar.needsToken': 'This feed needs its token',
  'calendar.wrongToken': 'Unknown partner or wrong token',

  // ---- Demand, offers and matches: refusals only (src/demand). Added by s4-messages.
  'demand.offerOtherPartner': 'belongs to another partner',
  'demand.offerCategory': 'offers {offered}, the demand needs {needed}',
  'demand.offerNotActive': 'The offer is {status}; only ACTIVE offers can be used',
  'demand.offerExpired': 'The offer was available until {until}',
  'demand.offerNotListed': 'is not offered to the community of this demand item',
  'demand.onlyRemain': 'Only {remaining} {unit} of this {what, select, demand {demand item} other {offer}} {remaining, plural, one {remains} other {remain}}',
  'demand.demandStatus': 'The demand item is {status}',
  'demand.notEnough': 'Not enough units remain',
  'demand.offerPartnerInactive': "The offer's partner has no ACTIVE partnership with this community",
  'match.onlyProposed': 'Only a PROPOSED dispatch can be answered; this match is {status}',
  'match.onlyPendingReview': 'Only a PENDING_REVIEW claim can be reviewed; this match is {status}',
  'match.onlyFulfilledEvaluated': 'Only a FULFILLED match can be evaluated; this one is {status}',
  'match.alreadyEvaluated': 'This match has already been evaluated',
  // ---- Residents (issue #14): keep this block last.
  'residency.alreadyResident': 'You already live in this community',
  'residency.notResident': 'You do not live in this community',
  'residency.notFound': 'User {id} does not live in this community',
  'residency.notFound.field': 'does not live in this community',
  'request.requesterRates': 'Only the requester rates a request',
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
  // ---- Triage of residents' requests (issue #14 item 5).
  'notification.request.submitted':
    'New {kind, select, REPAIR {repair request} WISH {wish} SUGGESTION {suggestion} COMPLAINT {complaint} other {request}} from a resident: "{title}"; it waits for triage',
  // ---- Individual volunteers (issue #14, item 3): keep this block last.
  'demand.claimAloneResidentsOnly': 'Only residents of this community may claim alone; join it first or claim for a partner',
  'demand.claimAloneWishesOnly': "needs partnerId: only residents' wishes (WISH) may be claimed alone",
  'demand.offerNeedsPartner': "needs partnerId: an offer is a partner's",
  'serviceLog.notOwnMatch': 'is not a match you took on alone in this community',
  // --- s5-loop: residents in the loop (issue #14 items 2 and 4)
  'request.reportDoneWho': "Only whoever took the work on (the volunteer or a member of the partner whose match was approved) or the community's secretary reports it done",
  // --- s5-rooms (issue #16 item 1: finding rooms, checking a contract's term)
  'room.freeWindowBothEnds': 'is required with {other}: a free window has both ends',
  // --- s5-projects (issue #15 item 2: projects)
  'project.residentsLead': 'Only residents of this community and its secretaries may lead a project here themselves; join it first or propose it for your partner',
  'project.leadOrSecretary': "Only the project's lead (its partner's members or the person leading it) or the community's secretaries may do this",
  'project.demandOtherCommunity': "must be demand items of the project's community",
  'project.demandCancelled': 'includes the cancelled demand item "{title}"',
  'project.endBeforeStart': 'must not be before the start date',
  'project.percent': 'must be a whole number from 0 to 100',
  'project.notProposed': 'This project is {status}; only a PROPOSED project is reviewed',
  'project.notActive': 'This project is {status}; progress is posted only while it is APPROVED or IN_PROGRESS',
  'notification.project.proposed': 'New project proposed: "{title}"; it waits for your review',
  'notification.project.reviewed':
    'Your project "{title}" {approved, select, yes {was approved and is now on the public project list} other {was not approved}}{hasNote, select, yes {: {note}} other {}}',
  'notification.project.changed':
    'The project "{title}" {status, select, COMPLETED {is completed} CANCELLED {was cancelled} other {is {status}}}{hasNote, select, yes {: {note}} other {}}',
  // --- s5-contracts: a booking's purpose, contracts adopting the partner's own bookings (issues #15 item 4, #16 item 2).
  'contract.ownUseNotInSlots': "{slot} is not one of the contract's weekly slots",
  'contract.noPublicBenefitSlot': 'leaves no slot for the public-benefit sessions the contract promises',
  'history.adoptedOccurrences':
    "Took in {count, plural, one {# booking} other {# bookings}} the partner had made already: {occurrences}{hasSkipped, select, yes {. {skipped}} other {}}",
} satisfies Record<string, string>;

export type MessageId = keyof typeof en;
