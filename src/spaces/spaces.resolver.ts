import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx as Context, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { authorize } from '../auth/policy';
import { findOr404 } from '../common/find';
import { historyOf } from '../common/history';
import { prefetched } from '../common/prefetch';
import { byId } from '../common/loaders';
import { ConnectionType, pageArgsFactory } from '../common/pagination';
import { DateTimeScalar, LocalDateScalar } from '../common/scalars';
import { fieldTree } from '../common/selection';
import { StatusChange } from '../common/status-change.entity';
import { findRoom } from '../communities/communities.service';
import { Room, SlotOccurrence } from '../communities/room.entity';
import type { Ctx } from '../context';
import { Partner } from '../partners/partner.entity';
import { ReviewDecision } from '../common/review';
import { findPartner } from '../partners/partners.service';
import { partnerVisibility } from '../partners/partners.visibility';
import { Booking, BookingConnection } from './booking.entity';
import * as bookings from './bookings.service';
import { partnerCalendarUrl, rotateCalendarToken } from './calendar.service';
import * as contracts from './contracts.service';
import { SPACES_POLICY as may } from './spaces.policy';
import * as rooms from './rooms.service';
import { ContractCheck, ContractStatus, effectiveStatus, SpaceContract } from './space-contract.entity';
import { BookingFilter, BookSlotInput, ContractFilter, ProposeContractInput, RoomFilter } from './spaces.inputs';
import { bookingVisibility, bookingVisibilityNow, contractVisibility, PRIVATE_PURPOSE } from './spaces.visibility';
import type { Readable } from '../auth/visibility';

const BookingPageArgs = pageArgsFactory(50);
const SpaceContractConnection = ConnectionType(SpaceContract, 'SpaceContract');
const ContractPageArgs = pageArgsFactory(20);
const RoomConnection = ConnectionType(Room, 'Room');
const RoomPageArgs = pageArgsFactory(20);

@Resolver(() => Booking)
export class BookingResolver {
  @Query(() => BookingConnection)
  bookings(
    @Arg('filter', () => BookingFilter) filter: BookingFilter,
    @Args(() => BookingPageArgs) page: InstanceType<typeof BookingPageArgs>,
    @Context() ctx: Ctx,
    @Info() info: GraphQLResolveInfo,
  ) {
    return bookings.listBookings(ctx, filter, page, fieldTree(info));
  }

  @Mutation(() => Booking)
  async bookSlot(@Arg('input', () => BookSlotInput) input: BookSlotInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.bookSlot, { input });
    return bookings.bookSlot(ctx, await findRoom(ctx, input.roomId), input, roles.userId);
  }

  @Mutation(() => Booking)
  async cancelBooking(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.cancelBooking, { id });
    return bookings.cancelBooking(ctx, await bookings.findBooking(ctx, id), reason, roles.userId);
  }

  @FieldResolver(() => Room)
  room(@Root() booking: Booking, @Context() ctx: Ctx) {
    return prefetched<Room>(booking, 'room') ?? findRoom(ctx, booking.roomId);
  }

  @FieldResolver(() => Partner, { nullable: true, description: "Null for a community's own booking, and for a private booking seen by others." })
  partner(@Root() booking: Booking, @Context() ctx: Ctx): Partner | null | Promise<Partner | null> {
    if (!booking.partnerId) return null;
    // A prefetched partner with the viewer's roles known answers at once: no promise per booking of a page.
    const known = prefetched<Partner>(booking, 'partner');
    const now = known !== undefined ? bookingVisibilityNow(ctx, booking) : null;
    if (now) return now.field('partner') ? known! : null;
    return bookingVisibility(ctx, booking).then((may) => (may.field('partner') ? (known ?? byId(ctx, Partner).load(booking.partnerId!)) : null));
  }

  @FieldResolver(() => SpaceContract, { nullable: true })
  contract(@Root() booking: Booking, @Context() ctx: Ctx) {
    return booking.contractId ? contracts.visibleContract(ctx, booking.contractId) : null;
  }

  @FieldResolver(() => String, {
    description: `Public for contract sessions; otherwise "${PRIVATE_PURPOSE}" to all but the booking partner's members and the community's secretaries.`,
  })
  purpose(@Root() booking: Booking, @Context() ctx: Ctx): string | Promise<string> {
    const answer = (may: Readable<'purpose'>) => (may.field('purpose') ? booking.purpose : PRIVATE_PURPOSE);
    const now = bookingVisibilityNow(ctx, booking);
    return now ? answer(now) : bookingVisibility(ctx, booking).then(answer);
  }

  @FieldResolver(() => [StatusChange])
  async history(@Root() booking: Booking, @Context() ctx: Ctx) {
    return historyOf(ctx, booking.id, (await bookingVisibility(ctx, booking)).field('history { note by }'));
  }
}

@Resolver(() => SpaceContract)
export class SpaceContractResolver {
  @Query(() => SpaceContract, { nullable: true })
  contract(@Arg('id', () => ID) id: string, @Context() ctx: Ctx) {
    return contracts.visibleContract(ctx, id);
  }

  @Query(() => SpaceContractConnection)
  contracts(
    @Arg('filter', () => ContractFilter, { nullable: true }) filter: ContractFilter | null,
    @Args(() => ContractPageArgs) page: InstanceType<typeof ContractPageArgs>,
    @Context() ctx: Ctx,
  ) {
    return contracts.listContracts(ctx, filter, page);
  }

  @Query(() => ContractCheck, {
    description:
      "proposeContract's dry run, to check a whole term (up to 366 days; Room.availability stops at 92) before proposing: the same input, checks, refusals and authorization (a member of the partner, with its ACTIVE partnership), then the term's occurrences still ahead and those already taken by someone else. Writes nothing; the answer holds until someone books.",
  })
  async checkContract(@Arg('input', () => ProposeContractInput) input: ProposeContractInput, @Context() ctx: Ctx) {
    await authorize(ctx, may.proposeContract, { input });
    return contracts.checkContract(ctx, await findRoom(ctx, input.roomId), input);
  }

  @Mutation(() => SpaceContract)
  async proposeContract(@Arg('input', () => ProposeContractInput) input: ProposeContractInput, @Context() ctx: Ctx) {
    const { roles } = await authorize(ctx, may.proposeContract, { input });
    return contracts.proposeContract(ctx, await findRoom(ctx, input.roomId), input, roles.userId);
  }

  @Mutation(() => SpaceContract, { description: 'With skipConflicts, APPROVE books the free occurrences only and records the skipped dates in history.' })
  async reviewContract(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => ReviewDecision) decision: ReviewDecision,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Arg('skipConflicts', () => Boolean, { nullable: true, defaultValue: false }) skipConflicts: boolean | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.reviewContract, { id });
    return contracts.reviewContract(ctx, await existingContract(ctx, id), decision, note, skipConflicts ?? false, roles.userId);
  }

  @Mutation(() => SpaceContract)
  async terminateContract(
    @Arg('id', () => ID) id: string,
    @Arg('reason') reason: string,
    @Arg('effectiveOn', () => LocalDateScalar, { nullable: true }) effectiveOn: string | null,
    @Context() ctx: Ctx,
  ) {
    const { roles } = await authorize(ctx, may.terminateContract, { id });
    return contracts.terminateContract(ctx, await existingContract(ctx, id), reason, effectiveOn, roles.userId);
  }

  @FieldResolver(() => Partner)
  partner(@Root() contract: SpaceContract, @Context() ctx: Ctx) {
    return findPartner(ctx, contract.partnerId);
  }

  @FieldResolver(() => Room)
  room(@Root() contract: SpaceContract, @Context() ctx: Ctx) {
    return findRoom(ctx, contract.roomId);
  }

  @FieldResolver(() => ContractStatus)
  status(@Root() contract: SpaceContract): ContractStatus {
    return effectiveStatus(contract);
  }

  @FieldResolver(() => [SlotOccurrence], { description: 'Slot occurrences of this contract that are already taken by someone else.' })
  async conflicts(@Root() contract: SpaceContract, @Context() ctx: Ctx): Promise<SlotOccurrence[]> {
    return (await contracts.contractConflicts(ctx, contract)).map((r) => ({ ...r, available: false, communityId: contract.communityId }));
  }

  @FieldResolver(() => [Booking], { description: 'Every booking of the contract, cancelled ones included, chronologically.' })
  bookings(
    @Root() contract: SpaceContract,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from: Date | null,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to: Date | null,
    @Context() ctx: Ctx,
  ) {
    return contracts.contractBookings(ctx, contract, from, to);
  }

  @FieldResolver(() => [StatusChange])
  async history(@Root() contract: SpaceContract, @Context() ctx: Ctx) {
    return historyOf(ctx, contract.id, (await contractVisibility(ctx, contract)).field('history { note by }'));
  }
}

/** For mutations: NOT_FOUND only when it does not exist, so a refusal reads FORBIDDEN. */
const existingContract = (ctx: Ctx, id: string) => findOr404(ctx, SpaceContract, id, { thing: 'contract' });

@Resolver(() => Room)
export class RoomBookingsResolver {
  @Query(() => RoomConnection, {
    description: "Rooms of every community (public, like Room), oldest first, narrowed by the filter; one statement a page, its totalCount included.",
  })
  rooms(
    @Arg('filter', () => RoomFilter, { nullable: true }) filter: RoomFilter | null,
    @Args(() => RoomPageArgs) page: InstanceType<typeof RoomPageArgs>,
    @Info() info: GraphQLResolveInfo,
    @Context() ctx: Ctx,
  ) {
    return rooms.searchRooms(ctx, filter, page, fieldTree(info).has('totalCount'));
  }

  @FieldResolver(() => [Booking], { description: 'CONFIRMED bookings overlapping from..to (at most 92 days), chronologically.' })
  bookings(
    @Root() room: Room,
    @Arg('from', () => DateTimeScalar) from: Date,
    @Arg('to', () => DateTimeScalar) to: Date,
    @Context() ctx: Ctx,
  ) {
    return bookings.roomBookings(ctx, room, from, to);
  }
}

@Resolver(() => Partner)
export class PartnerCalendarResolver {
  @FieldResolver(() => String, { nullable: true, description: "Subscription URL of this partner's iCalendar feed; members only, null for everyone else." })
  async calendarUrl(@Root() partner: Partner, @Context() ctx: Ctx) {
    return (await partnerVisibility(ctx, partner)).field('calendarUrl') ? partnerCalendarUrl(ctx.config, partner) : null;
  }

  @Mutation(() => Partner, { description: "Replaces the partner's calendar token: the old feed URL stops working." })
  async rotatePartnerCalendarToken(@Arg('partnerId', () => ID) partnerId: string, @Context() ctx: Ctx) {
    await authorize(ctx, may.rotatePartnerCalendarToken, { partnerId });
    return rotateCalendarToken(ctx, partnerId);
  }
}

export const spacesResolvers = [
  BookingResolver,
  SpaceContractResolver,
  RoomBookingsResolver,
  PartnerCalendarResolver,
] as const;
