import { ArrayMaxSize, ArrayUnique, IsEnum, IsInt, IsOptional, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { LocalDateScalar } from '../common/scalars';
import { QUANTITY_MAX, TEXT_MAX, TITLE_MAX } from '../common/validation';
import { DemandStatus, ResourceCategory, Urgency } from './demand-item.entity';
import { MatchStatus } from './match.entity';
import { OfferStatus } from './supply-offer.entity';

export const UNIT_MAX = 50;
const NOT_BLANK = /\S/;
const notBlank = { message: 'field.notBlank' };

@InputType()
export class PostDemandInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'field.uuid' })
  communityId: string;

  @Field()
  @Length(1, TITLE_MAX)
  @Matches(NOT_BLANK, notBlank)
  title: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  description?: string | null;

  @Field(() => ResourceCategory)
  @IsEnum(ResourceCategory)
  category: ResourceCategory;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(QUANTITY_MAX)
  quantity: number;

  @Field()
  @Length(1, UNIT_MAX)
  @Matches(NOT_BLANK, notBlank)
  unit: string;

  @Field(() => Urgency, { nullable: true, description: 'NORMAL when omitted.' })
  @IsOptional()
  @IsEnum(Urgency)
  urgency?: Urgency | null;

  @Field(() => LocalDateScalar, { nullable: true, description: "The day it is needed by (YYYY-MM-DD in the community's time zone): today or later." })
  @IsOptional()
  neededBy?: string | null;
}

@InputType()
export class DemandFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  communityId?: string | null;

  @Field(() => ResourceCategory, { nullable: true })
  @IsOptional()
  category?: ResourceCategory | null;

  @Field(() => [DemandStatus], { nullable: true, description: 'Any of these statuses.' })
  @IsOptional()
  status?: DemandStatus[] | null;

  @Field(() => Urgency, { nullable: true })
  @IsOptional()
  urgency?: Urgency | null;

  @Field(() => String, { nullable: true, description: 'Part of the title or description (Chinese works too).' })
  @IsOptional()
  @MaxLength(TITLE_MAX)
  search?: string | null;
}

@InputType()
export class PublishOfferInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'field.uuid' })
  partnerId: string;

  @Field(() => ResourceCategory)
  @IsEnum(ResourceCategory)
  category: ResourceCategory;

  @Field()
  @Length(1, TITLE_MAX)
  @Matches(NOT_BLANK, notBlank)
  title: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  description?: string | null;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(QUANTITY_MAX)
  quantity: number;

  @Field()
  @Length(1, UNIT_MAX)
  @Matches(NOT_BLANK, notBlank)
  unit: string;

  @Field(() => Date, { nullable: true, description: 'Must be in the future; the offer is not usable after it.' })
  @IsOptional()
  availableUntil?: Date | null;

  @Field(() => [ID], { nullable: true, description: 'Empty or omitted: every community where the partner is ACTIVE.' })
  @IsOptional()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'field.uuids' })
  communityIds?: string[] | null;
}

@InputType()
export class OfferFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  partnerId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Offers offered to this community.' })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  communityId?: string | null;

  @Field(() => ResourceCategory, { nullable: true })
  @IsOptional()
  category?: ResourceCategory | null;

  @Field(() => OfferStatus, { nullable: true })
  @IsOptional()
  status?: OfferStatus | null;

  @Field(() => String, { nullable: true, description: 'Part of the title or description.' })
  @IsOptional()
  @MaxLength(TITLE_MAX)
  search?: string | null;
}

@InputType()
export class ClaimDemandInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'field.uuid' })
  demandId: string;

  @Field(() => ID, { nullable: true, description: 'Omit to claim as an individual volunteer (only WISH items of a community you live in).' })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  partnerId?: string | null;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(QUANTITY_MAX)
  quantity: number;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  offerId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  note?: string | null;
}

@InputType()
export class DispatchOfferInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'field.uuid' })
  demandId: string;

  @Field(() => ID)
  @IsUUID('all', { message: 'field.uuid' })
  offerId: string;

  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(QUANTITY_MAX)
  quantity: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  note?: string | null;
}

@InputType()
export class MatchFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  communityId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  partnerId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'field.uuid' })
  demandId?: string | null;

  @Field(() => [MatchStatus], { nullable: true, description: 'Any of these statuses.' })
  @IsOptional()
  status?: MatchStatus[] | null;
}

@InputType()
export class EvaluationInput {
  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(5)
  rating: number;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(TEXT_MAX)
  comment?: string | null;
}
