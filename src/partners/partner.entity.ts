import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum PartnerCategory {
  PROPERTY_FIRM = 'PROPERTY_FIRM',
  DEPARTMENT = 'DEPARTMENT',
  CHARITY = 'CHARITY',
  MERCHANT = 'MERCHANT',
  RESIDENT_GROUP = 'RESIDENT_GROUP',
}
registerEnumType(PartnerCategory, { name: 'PartnerCategory' });

export enum PartnerRole {
  OWNER = 'OWNER',
  MEMBER = 'MEMBER',
}
registerEnumType(PartnerRole, { name: 'PartnerRole' });

export enum PartnershipStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  REJECTED = 'REJECTED',
  ENDED = 'ENDED',
}
registerEnumType(PartnershipStatus, { name: 'PartnershipStatus' });

@ObjectType()
@Entity()
export class Partner {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column()
  name: string;

  @Field(() => PartnerCategory)
  @Column('text')
  category: PartnerCategory;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Secret in the partner's iCalendar feed URL; rotated by its members. */
  @Column({ type: 'text' })
  calendarToken: string;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

@Entity()
export class PartnerMember {
  @PrimaryColumn('uuid')
  partnerId: string;

  @PrimaryColumn('uuid')
  userId: string;

  @Column('text')
  role: PartnerRole;

  @CreateDateColumn({ type: 'timestamptz' })
  addedAt: Date;
}

@ObjectType({ description: "A partner's standing agreement with one community; required before it claims, books or contracts there." })
@Entity()
export class Partnership {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  partnerId: string;

  @Field(() => PartnershipStatus)
  @Column('text')
  status: PartnershipStatus;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
