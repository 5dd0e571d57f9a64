import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ResourceCategory } from './demand-item.entity';

export enum OfferStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(OfferStatus, { name: 'OfferStatus' });

@ObjectType({ description: 'What a partner puts into the resource pool.' })
@Entity()
export class SupplyOffer {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  partnerId: string;

  @Field(() => ResourceCategory)
  @Column('text')
  category: ResourceCategory;

  @Field()
  @Column('text')
  title: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => Int)
  @Column('int')
  quantity: number;

  @Field()
  @Column('text')
  unit: string;

  /** Units held by live matches against this offer. */
  @Column('int', { default: 0 })
  heldQuantity: number;

  @Field(() => Int)
  get remainingQuantity(): number {
    return this.quantity - this.heldQuantity;
  }

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  availableUntil: Date | null;

  /** True when no community was listed: offered wherever the partner is ACTIVE. */
  @Column('boolean')
  allCommunities: boolean;

  @Field(() => OfferStatus)
  @Column('text')
  status: OfferStatus;

  @Column('uuid')
  createdBy: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

/** The communities an offer is limited to (none: every community where its partner is ACTIVE). */
@Entity()
export class OfferCommunity {
  @PrimaryColumn('uuid')
  offerId: string;

  @PrimaryColumn('uuid')
  communityId: string;
}
