import { validate } from 'class-validator';
import { getNamedType, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type NonEmptyArray, type ResolverData } from 'type-graphql';
import { AuthResolver } from './auth/auth.resolver';
import { StatusChangeResolver } from './common/history';
import { DateTimeScalar } from './common/scalars';
import { fieldErrors } from './common/validation';
import { CommunityResolver, RoomResolver } from './communities/communities.resolver';
import { DemandItemResolver, EvaluationResolver, MatchResolver, PartnerDemandResolver, PublicBoardDemandResolver, SupplyOfferResolver } from './demand/demand.resolver';
import { BadUserInputError, type FieldError } from './errors';
import { refusingPubSub } from './live/events';
import { LiveResolver, NotificationResolver, PartnerActivityEventResolver } from './live/live.resolver';
import { CommunityPartnershipsResolver, PartnerResolver, PartnershipResolver } from './partners/partners.resolver';
import { PublicBoardResolver } from './public/public-board.resolver';
import { ContractObligationsResolver, ServiceLogResolver } from './service-hours/service-hours.resolver';
import { spacesResolvers } from './spaces/spaces.resolver';
import { UserResolver } from './users/users.resolver';

/** Every resolver class, by domain. */
export const resolvers: NonEmptyArray<Function> = [
  AuthResolver,
  UserResolver,
  CommunityResolver,
  RoomResolver,
  PartnerResolver,
  PartnershipResolver,
  CommunityPartnershipsResolver,
  StatusChangeResolver,
  PublicBoardResolver,
  ...spacesResolvers,
  DemandItemResolver,
  SupplyOfferResolver,
  MatchResolver,
  EvaluationResolver,
  PartnerDemandResolver,
  PublicBoardDemandResolver,
  NotificationResolver,
  PartnerActivityEventResolver,
  LiveResolver,
  ServiceLogResolver,
  ContractObligationsResolver,
];

/** class-validator on every input object, reporting each bad field by its path from the argument name. */
async function validateArgument(value: unknown, type: unknown, { info }: ResolverData<object>): Promise<void> {
  if (value === null || typeof value !== 'object') return;
  // Which argument this is: the one whose GraphQL input type is this class (none for @Args classes).
  const typeName = typeof type === 'function' ? type.name : '';
  const argDefs = info.parentType.getFields()[info.fieldName]?.args ?? [];
  const name = argDefs.find((a) => getNamedType(a.type).name === typeName)?.name ?? '';
  const items: [unknown, string][] = Array.isArray(value) ? value.map((v, i) => [v, `${name}[${i}]`]) : [[value, name]];
  const errors: FieldError[] = [];
  for (const [item, prefix] of items) {
    if (item === null || typeof item !== 'object') continue;
    errors.push(...fieldErrors(await validate(item, { skipMissingProperties: true, forbidUnknownValues: false }), prefix));
  }
  if (errors.length) throw new BadUserInputError(errors);
}

export function createSchema(): Promise<GraphQLSchema> {
  // No field middlewares here, so a plain field is read as a plain property: without this,
  // type-graphql wraps every one of them (hundreds per nested read) in a middleware runner.
  // A field named apart from its property (`start` for `startAt`) keeps type-graphql's resolver.
  for (const field of getMetadataStorage().fields) field.simple ??= field.name === field.schemaName;
  return buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validateFn: validateArgument,
    pubSub: refusingPubSub,
  });
}
