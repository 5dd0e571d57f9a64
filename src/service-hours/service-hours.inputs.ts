import { IsEnum, IsOptional, Length, Matches } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { TEXT_MAX } from '../common/validation';
import { ServiceLogStatus } from './service-log.entity';

@InputType()
export class LogServiceInput {
  @Field(() => ID)
  communityId: string;

  @Field(() => ID, { nullable: true, description: 'A partner the volunteer belongs to, ACTIVE in the community.' })
  @IsOptional()
  partnerId?: string | null;

  @Field(() => ID, { nullable: true, description: "One of the partner's matches in the community; without partnerId, one you took on alone." })
  @IsOptional()
  matchId?: string | null;

  @Field(() => ID, { nullable: true, description: "One of the partner's space contracts in the community (needs partnerId)." })
  @IsOptional()
  contractId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A partner owner logs for a member of that partner (default: yourself).' })
  @IsOptional()
  volunteerId?: string | null;

  @Field()
  startedAt: Date;

  @Field({ description: '1 minute to 12 hours after startedAt, not in the future; startedAt at most 90 days ago.' })
  endedAt: Date;

  @Field()
  @Length(1, TEXT_MAX)
  @Matches(/\S/, { message: 'field.notBlank' })
  description: string;
}

@InputType()
export class ServiceLogFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  communityId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  partnerId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  volunteerId?: string | null;

  @Field(() => ServiceLogStatus, { nullable: true })
  @IsOptional()
  @IsEnum(ServiceLogStatus)
  status?: ServiceLogStatus | null;

  @Field(() => Date, { nullable: true, description: 'Logs that started at or after this instant.' })
  @IsOptional()
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Logs that started before this instant.' })
  @IsOptional()
  to?: Date | null;
}

export enum SummaryGroupBy {
  PARTNER = 'PARTNER',
  VOLUNTEER = 'VOLUNTEER',
  COMMUNITY = 'COMMUNITY',
  MONTH = 'MONTH',
}
registerEnumType(SummaryGroupBy, { name: 'SummaryGroupBy' });

@InputType()
export class ServiceHoursSummaryInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  communityId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  partnerId?: string | null;

  @Field({ description: 'Logs that started at or after this instant.' })
  from: Date;

  @Field({ description: 'Logs that started before this instant; at most 366 days after from.' })
  to: Date;

  @Field(() => SummaryGroupBy)
  @IsEnum(SummaryGroupBy)
  groupBy: SummaryGroupBy;
}

@ObjectType()
export class ServiceHoursBucket {
  @Field({ description: "The partner's, volunteer's or community's ID; YYYY-MM for MONTH." })
  key: string;

  @Field({ description: "The partner's, volunteer's or community's name; YYYY-MM for MONTH." })
  label: string;

  @Field(() => Int)
  verifiedMinutes: number;

  @Field(() => Int)
  pendingMinutes: number;

  @Field(() => Int, { description: 'Verified and pending logs (rejected ones are left out).' })
  logCount: number;
}

@ObjectType()
export class ContractObligation {
  @Field({ description: 'YYYY-MM' })
  month: string;

  @Field(() => Int)
  promisedSessions: number;

  @Field(() => Int)
  scheduledSessions: number;

  @Field(() => Int, { description: 'Sessions held with verified service logged against the contract.' })
  deliveredSessions: number;
}
