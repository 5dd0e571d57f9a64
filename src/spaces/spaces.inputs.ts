import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsInt, IsOptional, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { DateTimeScalar, LocalDateScalar } from '../common/scalars';
import { TEXT_MAX, TITLE_MAX } from '../common/validation';
import { WeeklySlotInput } from '../communities/communities.inputs';
import { Weekday } from '../communities/room.entity';
import { BookingStatus } from './booking.entity';
import { ContractStatus } from './space-contract.entity';

export const SESSIONS_PER_MONTH_MAX = 31;

@InputType()
export class BookSlotInput {
  @Field(() => ID)
  roomId: string;

  @Field(() => ID, { nullable: true, description: 'Null books for the community itself (secretaries only).' })
  @IsOptional()
  partnerId?: string | null;

  @Field(() => DateTimeScalar, { description: "Must be the start of one of the room's slot occurrences." })
  start: Date;

  @Field()
  @Length(1, TITLE_MAX)
  purpose: string;

  @Field(() => ID, {
    nullable: true,
    description: "Books an occurrence of this ACTIVE contract of the partner again (after it was cancelled), so it counts as a contract session.",
  })
  @IsOptional()
  contractId?: string | null;
}

@InputType()
export class ProposeContractInput {
  @Field(() => ID)
  partnerId: string;

  @Field(() => ID)
  roomId: string;

  @Field()
  @Length(1, TITLE_MAX)
  title: string;

  @Field()
  @Length(1, TEXT_MAX)
  publicBenefitCommitment: string;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(SESSIONS_PER_MONTH_MAX)
  sessionsPerMonth: number;

  @Field(() => [WeeklySlotInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => WeeklySlotInput)
  weeklySlots: WeeklySlotInput[];

  @Field(() => [WeeklySlotInput], {
    nullable: true,
    description: 'Those of weeklySlots the partner uses for itself (OWN_USE); the occurrences of the others are the public-benefit sessions. Default: none, every occurrence is a public-benefit session.',
  })
  @IsOptional()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => WeeklySlotInput)
  ownUseSlots?: WeeklySlotInput[] | null;

  @Field(() => LocalDateScalar)
  startsOn: string;

  @Field(() => LocalDateScalar)
  endsOn: string;
}

@InputType()
export class ContractFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  communityId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  partnerId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  roomId?: string | null;

  @Field(() => [ContractStatus], { nullable: true })
  @IsOptional()
  status?: ContractStatus[] | null;
}

@InputType()
export class BookingFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  communityId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  roomId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  partnerId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  contractId?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Bookings ending after this instant.' })
  @IsOptional()
  from?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Bookings starting before this instant.' })
  @IsOptional()
  to?: Date | null;

  @Field(() => BookingStatus, { nullable: true })
  @IsOptional()
  status?: BookingStatus | null;
}

@InputType({ description: 'Rooms of every community, narrowed by each given condition (all of them hold).' })
export class RoomFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  communityId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Rooms of the communities where this partner has an ACTIVE partnership.' })
  @IsOptional()
  partnerId?: string | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  minCapacity?: number | null;

  @Field(() => [String], { nullable: true, description: 'Every listed feature present.' })
  @IsOptional()
  @ArrayMaxSize(30)
  @Length(1, 50, { each: true })
  features?: string[] | null;

  @Field(() => String, { nullable: true, description: "Text in the room's or its community's name." })
  @IsOptional()
  @MaxLength(TITLE_MAX)
  search?: string | null;

  @Field(() => Weekday, { nullable: true, description: 'Only rooms with a weekly slot on this weekday.' })
  @IsOptional()
  weekday?: Weekday | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'With freeTo: only rooms with at least one free occurrence in [freeFrom, freeTo) (at most 92 days).',
  })
  @IsOptional()
  freeFrom?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @IsOptional()
  freeTo?: Date | null;
}
