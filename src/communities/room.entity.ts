import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DateTimeScalar, LocalTimeScalar } from '../common/scalars';

export enum Weekday {
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
  SUNDAY = 'SUNDAY',
}
registerEnumType(Weekday, { name: 'Weekday' });

@ObjectType({ description: 'A fixed weekly time slot in local time, e.g. every TUESDAY 19:00-21:00.' })
export class WeeklySlot {
  @Field(() => Weekday)
  weekday: Weekday;

  @Field(() => LocalTimeScalar)
  startTime: string;

  @Field(() => LocalTimeScalar)
  endTime: string;
}

/** One occurrence of a weekly slot on the calendar (rooms' free or taken times, a contract's conflicts). */
@ObjectType()
export class SlotOccurrence {
  @Field(() => DateTimeScalar)
  start: Date;

  @Field(() => DateTimeScalar)
  end: Date;

  @Field()
  available: boolean;

  /** The room's community: its instants are written in that community's offset. */
  communityId?: string;
}

@ObjectType({ description: 'A bookable community space. Bookings are made only in its fixed weekly slots.' })
@Entity()
export class Room {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  communityId: string;

  @Field()
  @Column()
  name: string;

  @Field(() => Int)
  @Column('int')
  capacity: number;

  @Field(() => [String])
  @Column('text', { array: true, default: () => "'{}'" })
  features: string[];

  @Field(() => [WeeklySlot])
  @Column('jsonb')
  weeklySlots: WeeklySlot[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
