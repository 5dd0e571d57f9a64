import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../common/pagination';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum BookingStatus {
  CONFIRMED = 'CONFIRMED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(BookingStatus, { name: 'BookingStatus' });

/**
 * What a booking is for. A contract's occurrences are PUBLIC_BENEFIT sessions (promised to the
 * residents, counted by its obligations and listed on the public board) except those of the slots
 * the contract names as the partner's own use; every booking outside a contract is OWN_USE.
 */
export enum BookingPurpose {
  OWN_USE = 'OWN_USE',
  PUBLIC_BENEFIT = 'PUBLIC_BENEFIT',
}
registerEnumType(BookingPurpose, {
  name: 'BookingPurpose',
  valuesConfig: {
    OWN_USE: { description: "The booker's own use of the room: a single booking, or a contract's own-use slot." },
    PUBLIC_BENEFIT: { description: 'A session the contract promises to the residents.' },
  },
});

/** One occurrence of one of a room's weekly slots, held by a partner or by the community itself. */
@ObjectType()
@Entity()
export class Booking {
  /** The identity TypeORM and the code use. The database key is (community_id, id), as Citus wants (like every community table, migrations/1763900600000-CitusReady.ts). */
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Column('uuid')
  roomId: string;

  /** Null for the community's own booking. */
  @Column({ type: 'uuid', nullable: true })
  partnerId: string | null;

  @Column({ type: 'uuid', nullable: true })
  contractId: string | null;

  @Field({ name: 'start' })
  @Column({ type: 'timestamptz' })
  startAt: Date;

  @Field({ name: 'end' })
  @Column({ type: 'timestamptz' })
  endAt: Date;

  /** Exposed through a field resolver: private unless the booking is a public contract session. */
  @Column('text')
  purpose: string;

  @Field(() => BookingPurpose, { description: 'PUBLIC_BENEFIT for a session a contract promises to the residents; OWN_USE otherwise.' })
  @Column('text')
  kind: BookingPurpose;

  @Field(() => BookingStatus)
  @Column('text')
  status: BookingStatus;

  @Column({ type: 'uuid', nullable: true })
  createdBy: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ type: 'text', nullable: true })
  cancelReason: string | null;
}

export const BookingConnection = ConnectionType(Booking, 'Booking');
