import { ArrayMaxSize, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { Field, ID, InputType, Int } from 'type-graphql';
import { MAX_WEEKLY_SLOTS } from '../common/row-bounds';
import { LocalTimeScalar } from '../common/scalars';
import { TITLE_MAX } from '../common/validation';
import { Weekday } from './room.entity';

@InputType()
export class CreateCommunityInput {
  @Field()
  @Length(1, TITLE_MAX)
  name: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TITLE_MAX)
  district?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone; Asia/Shanghai when omitted.' })
  @IsOptional()
  @MaxLength(64)
  timezone?: string | null;
}

@InputType()
export class WeeklySlotInput {
  @Field(() => Weekday)
  weekday: Weekday;

  @Field(() => LocalTimeScalar)
  startTime: string;

  @Field(() => LocalTimeScalar)
  endTime: string;
}

@InputType()
export class CreateRoomInput {
  @Field(() => ID)
  communityId: string;

  @Field()
  @Length(1, TITLE_MAX)
  name: string;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(10_000)
  capacity: number;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  features?: string[] | null;

  @Field(() => [WeeklySlotInput])
  @ArrayMaxSize(MAX_WEEKLY_SLOTS)
  @ValidateNested({ each: true })
  @Type(() => WeeklySlotInput)
  weeklySlots: WeeklySlotInput[];
}

@InputType()
export class UpdateRoomInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, TITLE_MAX)
  name?: string | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  capacity?: number | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  features?: string[] | null;

  @Field(() => [WeeklySlotInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_WEEKLY_SLOTS)
  @ValidateNested({ each: true })
  @Type(() => WeeklySlotInput)
  weeklySlots?: WeeklySlotInput[] | null;
}
