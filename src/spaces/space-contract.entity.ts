import { now as clockNow } from '../common/clock';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { LocalDateScalar, localDateColumn as localDate } from '../common/scalars';
import { WeeklySlot } from '../communities/room.entity';

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

/** The status as of `now`: an ACTIVE contract whose term has ended is EXPIRED even before the sweep records it. */
export function effectiveStatus(contract: SpaceContract, now = clockNow()): ContractStatus {
  return contract.status === ContractStatus.ACTIVE && contract.endsAt <= now ? ContractStatus.EXPIRED : contract.status;
}
