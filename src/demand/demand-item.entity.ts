import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { LocalDateScalar, localDateColumn } from '../common/scalars';

export enum ResourceCategory {
  SPACE = 'SPACE',
  VOLUNTEER_SERVICE = 'VOLUNTEER_SERVICE',
  GOODS = 'GOODS',
  EXPERTISE = 'EXPERTISE',
  FUNDING = 'FUNDING',
  EVENT = 'EVENT',
  OTHER = 'OTHER',
}
registerEnumType(ResourceCategory, { name: 'ResourceCategory' });

export enum Urgency {
  LOW = 'LOW',
  NORMAL = 'NORMAL',
  HIGH = 'HIGH',
  URGENT = 'URGENT',
}
registerEnumType(Urgency, { name: 'Urgency' });

/** The order of the review queue and of the public board: URGENT first. */
export const URGENCY_RANK: Record<Urgency, number> = { URGENT: 3, HIGH: 2, NORMAL: 1, LOW: 0 };

export enum DemandStatus {
  OPEN = 'OPEN',
  MATCHED = 'MATCHED',
  FULFILLED = 'FULFILLED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(DemandStatus, {
  name: 'DemandStatus',
  valuesConfig: {
    OPEN: { description: 'Some quantity is still unmatched.' },
    MATCHED: { description: 'Every unit is held by a live match, not all fulfilled yet.' },
    FULFILLED: { description: 'Every unit is fulfilled.' },
  },
});

@ObjectType({ description: "One line of a community's demand list." })
@Entity()
export class DemandItem {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Field()
  @Column('text')
  title: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => ResourceCategory)
  @Column('text')
  category: ResourceCategory;

  @Field(() => Int)
  @Column('int')
  quantity: number;

  @Field()
  @Column('text')
  unit: string;

  @Field(() => Urgency)
  @Column('text')
  urgency: Urgency;

  @Field(() => LocalDateScalar, { nullable: true, description: "The day it is needed by, in the community's time zone." })
  @Column({ type: 'date', nullable: true, transformer: localDateColumn })
  neededBy: string | null;

  @Field(() => DemandStatus)
  @Column('text')
  status: DemandStatus;

  @Field(() => Int, { description: 'Units held by live matches (PROPOSED, PENDING_REVIEW, APPROVED, FULFILLED).' })
  @Column('int', { default: 0 })
  matchedQuantity: number;

  @Field(() => Int, { description: 'Units delivered by FULFILLED matches.' })
  @Column('int', { default: 0 })
  fulfilledQuantity: number;

  @Field(() => Int)
  get remainingQuantity(): number {
    return this.quantity - this.matchedQuantity;
  }

  @Column('uuid')
  createdBy: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
