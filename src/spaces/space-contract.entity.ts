import { now as clockNow } from '../common/clock';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { LocalDateScalar, localDateColumn as localDate } from '../common/scalars';
import { SlotOccurrence, WeeklySlot } from '../communities/room.entity';
import { sameSlot, type WeeklySlot as Slot } from '../common/slots';
import { BookingPurpose } from './booking.entity';
import { expiredSql, inForceSql, TERM_EXPIRY } from '../common/term-expiry';

export enum ContractStatus {
  PENDING_REVIEW = 'PENDING_REVIEW',
  ACTIVE = 'ACTIVE',
  REJECTED = 'REJECTED',
  TERMINATED = 'TERMINATED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(ContractStatus, { name: 'ContractStatus' });

/** Statuses anyone may read; proposals and rejections stay between the partner and the secretaries. */
export const PUBLIC_CONTRACT_STATUSES = [ContractStatus.ACTIVE, ContractStatus.TERMINATED, ContractStatus.EXPIRED];


@ObjectType({ description: "A partner's contract to use one room in fixed weekly slots over a term, in return for public-benefit activity." })
@Entity()
export class SpaceContract {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  roomId: string;

  @Column('uuid')
  partnerId: string;

  @Field()
  @Column('text')
  title: string;

  @Field()
  @Column('text')
  publicBenefitCommitment: string;

  @Field(() => Int, { description: 'Public-benefit sessions promised per month.' })
  @Column('int')
  sessionsPerMonth: number;

  @Field(() => [WeeklySlot])
  @Column('jsonb')
  weeklySlots: WeeklySlot[];

  @Field(() => [WeeklySlot], {
    description: "Those of weeklySlots the partner uses for itself: their bookings are OWN_USE, not public-benefit sessions. The other slots' occurrences are the sessions promised.",
  })
  @Column('jsonb')
  ownUseSlots: WeeklySlot[];

  @Field(() => LocalDateScalar)
  @Column({ type: 'date', transformer: localDate })
  startsOn: string;

  @Field(() => LocalDateScalar)
  @Column({ type: 'date', transformer: localDate })
  endsOn: string;

  /** Midnight after `endsOn` in the community's zone: an ACTIVE contract past it is EXPIRED. */
  @Column({ type: 'timestamptz' })
  endsAt: Date;

  @Field(() => LocalDateScalar, { nullable: true, description: 'The day a termination took effect from; null unless TERMINATED.' })
  @Column({ type: 'date', nullable: true, transformer: localDate })
  terminatedOn: string | null;

  /** Stored status; the GraphQL `status` field derives EXPIRED before the sweep has run (see effectiveStatus). */
  @Column('text')
  status: ContractStatus;

  @Column({ type: 'uuid', nullable: true })
  proposedBy: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * The expiry rule (its one definition is TERM_EXPIRY in src/common/term-expiry.ts, below both spaces
 * and partners), in contracts' words: an ACTIVE contract whose term has ended is EXPIRED, whether or
 * not the sweep (expireContracts) has recorded it yet. Reads derive the status with it, the sweep
 * records it with it.
 */
export const EXPIRY = TERM_EXPIRY as { readonly from: ContractStatus.ACTIVE; readonly to: ContractStatus.EXPIRED; readonly endsAtColumn: typeof TERM_EXPIRY.endsAtColumn };
export { expiredSql, inForceSql };

/** Whether the term of an ACTIVE contract has ended as of `now` (EXPIRY). */
export const isExpired = (contract: Pick<SpaceContract, 'status' | 'endsAt'>, now = clockNow()): boolean =>
  contract.status === EXPIRY.from && contract.endsAt <= now;

/** The status as of `:asOf` in SQL: EXPIRY applied to the stored status. */
export const effectiveStatusSql = (alias: string, asOf = ':asOf') => `(CASE WHEN ${expiredSql(alias, asOf)} THEN '${EXPIRY.to}' ELSE ${alias}.status END)`;

/** The status as of `now`: an ACTIVE contract whose term has ended is EXPIRED even before the sweep records it. */
export function effectiveStatus(contract: SpaceContract, now = clockNow()): ContractStatus {
  return isExpired(contract, now) ? EXPIRY.to : contract.status;
}

@ObjectType({
  description:
    "checkContract's answer: a proposed term against the room's calendar as it is now, over the whole term (past availability's 92 days).",
})
export class ContractCheck {
  @Field(() => Int, { description: "Occurrences of the proposed slots in the term still ahead: the bookings an approval would make." })
  occurrences: number;

  @Field(() => Int, { description: 'Of those, the ones free now.' })
  free: number;

  @Field(() => [SlotOccurrence], { description: 'The ones already taken by someone else, chronologically (as SpaceContract.conflicts would list them).' })
  conflicts: SlotOccurrence[];
}

/** What the contract's booking of an occurrence of `slot` is for: a public-benefit session unless `slot` is one of its own-use slots. */
export const purposeOfSlot = (contract: Pick<SpaceContract, 'ownUseSlots'>, slot: Slot): BookingPurpose =>
  contract.ownUseSlots.some((s) => sameSlot(s, slot)) ? BookingPurpose.OWN_USE : BookingPurpose.PUBLIC_BENEFIT;
