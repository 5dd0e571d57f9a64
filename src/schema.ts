import { getMetadataStorage as validationMetadata, validate, ValidationTypes } from 'class-validator';
import { getNamedType, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type NonEmptyArray, type ResolverData } from 'type-graphql';
import { AuthResolver } from './auth/auth.resolver';
import { answerFromDatabase } from './common/loaders';
import { DateTimeScalar } from './common/scalars';
import { guardArguments } from './common/input-guard';
import { serializeUntrustedLeaves } from './common/leaf-values';
import { fieldErrors } from './common/validation';
import { CommunityResolver, RoomResolver } from './communities/communities.resolver';
import { zoneOfObject } from './communities/zones.service';
import { writeInstantsInZones } from './common/local-time';
import { DemandItemResolver, EvaluationResolver, MatchResolver, PartnerDemandResolver, SupplyOfferResolver } from './demand/demand.resolver';
import { BadUserInputError, type FieldError } from './errors';
import { UserLocaleResolver } from './users/locale.resolver';
import { refusingPubSub } from './live/events';
import { LiveResolver, NotificationResolver, PartnerActivityEventResolver } from './live/live.resolver';
import { CommunityPartnershipsResolver, PartnerInvitationResolver, PartnerResolver, PartnershipResolver } from './partners/partners.resolver';
import { SignedLinkResolver } from './links/signed-links.resolver';
import { PublicBoardResolver } from './public/public-board.resolver';
import { PublicBoardRequestsResolver } from './public/board-requests.resolver';
import { PublicBoardProjectsResolver } from './public/board-projects.resolver';
import { ProjectResolver, ProjectUpdateResolver } from './projects/projects.resolver';
import { PendingWorkResolver } from './pending/pending.resolver';
import { PublicBoardRatingsResolver } from './public/board-ratings.resolver';
import { ratingsResolvers } from './ratings/ratings.resolver';
import { PublicBoardAgendaResolver } from './public/board-agenda.resolver';
import { AgendaItemResolver, OpinionResolver } from './agendas/agendas.resolver';
import { DemandItemRequestsResolver, ResidencyResolver, ResidentRequestResolver, UserResidenciesResolver } from './residents/residents.resolver';
import { ContractObligationsResolver, ServiceLogResolver } from './service-hours/service-hours.resolver';
import { spacesResolvers } from './spaces/spaces.resolver';
import { StatusChangeResolver } from './users/status-change.resolver';
import { UserResolver } from './users/users.resolver';
import { PrivacyResolver } from './privacy/privacy.resolver';

/** Every resolver class, by domain. */
export const resolvers: NonEmptyArray<Function> = [
  AuthResolver,
  PrivacyResolver,
  UserResolver,
  UserLocaleResolver,
  CommunityResolver,
  RoomResolver,
  PartnerResolver,
  PartnershipResolver,
  PartnerInvitationResolver,
  CommunityPartnershipsResolver,
  StatusChangeResolver,
  PublicBoardResolver,
  ...spacesResolvers,
  DemandItemResolver,
  SupplyOfferResolver,
  MatchResolver,
  EvaluationResolver,
  PartnerDemandResolver,
  NotificationResolver,
  PartnerActivityEventResolver,
  LiveResolver,
  ServiceLogResolver,
  ContractObligationsResolver,
  SignedLinkResolver,
  ResidencyResolver,
  UserResidenciesResolver,
  ResidentRequestResolver,
  DemandItemRequestsResolver,
  PublicBoardRequestsResolver,
  ProjectResolver,
  ProjectUpdateResolver,
  PublicBoardProjectsResolver,
  PendingWorkResolver,
  ...ratingsResolvers,
  PublicBoardRatingsResolver,
  AgendaItemResolver,
  OpinionResolver,
  PublicBoardAgendaResolver,
];

const checks = new Map<Function, boolean>();

/**
 * Whether class-validator would find nothing to check on an instance of `target`: every constraint
 * it has is @IsOptional (filters are mostly that). validate() looks up a class's constraints
 * afresh on every call, scanning every validated class for base classes (about 8 us a call on this
 * machine); this answer is the same for the life of the process.
 */
function nothingToCheck(target: Function): boolean {
  let nothing = checks.get(target);
  if (nothing === undefined) {
    const constraints = validationMetadata().getTargetValidationMetadatas(target, '', false, false);
    nothing = constraints.every((c) => c.type === ValidationTypes.CONDITIONAL_VALIDATION);
    checks.set(target, nothing);
  }
  return nothing;
}

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
    if (item === null || typeof item !== 'object' || nothingToCheck(item.constructor)) continue;
    errors.push(...fieldErrors(await validate(item, { skipMissingProperties: true, forbidUnknownValues: false }), prefix));
  }
  if (errors.length) throw new BadUserInputError(errors);
}

/*
 * THE BYPASS TRAP (issue #12). Four speed-ups below take fields out of type-graphql's resolver
 * pipeline, which is where `globalMiddlewares`, an `authChecker` (@Authorized) and @UseMiddleware
 * run:
 *   1. every plain field is marked `simple`: graphql-js reads the property, type-graphql runs nothing;
 *   2. `callFieldResolversDirectly` calls a field resolver's method itself, skipping the adapter;
 *   3. `readRenamedProperties`: a plain field named apart from its property (`start` for `startAt`)
 *      reads the property itself.
 *   4. `readGettersDirectly`: a getter of an entity class is read as a plain property.
 * So a global middleware or an authChecker added to `buildSchema` would silently not run on most
 * fields. That is why authorization is not a middleware here: a mutation's resolver calls its
 * domain's policy table (`authorize`, src/<domain>/<domain>.policy.ts), and a restricted field is
 * a field resolver asking its `*.visibility.ts`. Guards against falling in:
 *   - BUILD_OPTIONS may not name globalMiddlewares or authChecker (`assertNoPipelineGuards` throws);
 *   - a field with its own @UseMiddleware or @Authorized is never marked simple nor called directly;
 *   - test/schema-guards.test.ts fails if a restricted field of a visibility table stops
 *     resolving through its field resolver (and so through its guard).
 */
export const BUILD_OPTIONS = {
  scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  validateFn: validateArgument,
  pubSub: refusingPubSub,
};

/** Fails loudly where a pipeline-wide guard would be bypassed (see THE BYPASS TRAP above). */
export function assertNoPipelineGuards(options: object): void {
  for (const key of ['globalMiddlewares', 'authChecker']) {
    if (key in options) throw new Error(`schema.ts: ${key} would not run on simple fields nor on directly called field resolvers; see THE BYPASS TRAP`);
  }
}

export async function createSchema(): Promise<GraphQLSchema> {
  assertNoPipelineGuards(BUILD_OPTIONS);
  // No field middlewares here, so a plain field is read as a plain property: without this,
  // type-graphql wraps every one of them (hundreds per nested read) in a middleware runner.
  // A field named apart from its property (`start` for `startAt`) keeps type-graphql's resolver,
  // and so does a field with its own middlewares or roles (trap 1 above).
  for (const field of getMetadataStorage().fields) {
    field.simple ??= field.name === field.schemaName && !field.middlewares?.length && !field.roles?.length;
  }
  const schema = await buildSchema({ resolvers, ...BUILD_OPTIONS });
  readRenamedProperties(schema);
  readGettersDirectly(schema);
  callFieldResolversDirectly(schema);
  // Instants of a community's objects in its UTC offset, others in UTC (docs/local-time.md).
  writeInstantsInZones(schema, zoneOfObject);
  answerFromDatabase(schema);
  // Every argument of every field is checked (control characters, date range) before its resolver runs, over any transport.
  guardArguments(schema);
  // Last, over the final resolvers: leaf values come already serialized (common/leaf-values.ts).
  serializeUntrustedLeaves(schema);
  return schema;
}

type Resolve = (root: unknown, args: unknown, context: unknown, info: unknown) => unknown;

/**
 * A plain field whose GraphQL name differs from its property (`Booking.start` is `startAt`) cannot
 * be `simple` (graphql-js would read `start`), so type-graphql reads it through its middleware
 * runner, a context object per call: a page of bookings makes a hundred such calls. Without
 * middlewares or roles (trap 3 above), the property is read directly, as type-graphql would.
 */
function readRenamedProperties(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name) as GraphQLObjectType | undefined;
    for (const field of objectType.fields ?? []) {
      if (field.name === field.schemaName || field.middlewares?.length || field.roles?.length || field.params?.length) continue;
      // type-graphql's own test for a field resolver of this field (then it is not a plain property).
      if (storage.fieldResolvers.some((r) => r.getObjectType?.() === field.target && r.methodName === field.name)) continue;
      const graphqlField = type?.getFields()[field.schemaName];
      if (!graphqlField) continue;
      const property = field.name;
      graphqlField.resolve = (root) => (root as Record<string, unknown>)[property];
    }
  }
}

/**
 * A field that is a getter of its entity class (`DemandItem.remainingQuantity`) gets type-graphql's
 * general field resolver, which builds a resolver-data object and runs the (empty) middleware
 * chain on every call; with graphql-jit, any resolver also costs a resolve-info object and its
 * response path (eight objects deep in a nested read's offers) per call. Without middlewares or
 * roles (trap 4 above), the field is read as a plain property instead, as for columns: the getter
 * runs on the row, which is an instance of its entity class wherever rows come from (TypeORM,
 * the loaders' and look-ahead's hydration).
 */
function readGettersDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  for (const resolver of storage.fieldResolvers) {
    if (resolver.kind !== 'internal' || resolver.middlewares?.length || resolver.roles?.length) continue;
    const objectClass = resolver.getObjectType?.() as Function | undefined;
    if (!objectClass || typeof Object.getOwnPropertyDescriptor(objectClass.prototype, resolver.methodName)?.get !== 'function') continue;
    const typeName = storage.objectTypes.find((t) => t.target === objectClass)?.name;
    const field = typeName ? (schema.getType(typeName) as GraphQLObjectType | undefined)?.getFields()[resolver.schemaName] : undefined;
    if (field && resolver.schemaName === resolver.methodName) field.resolve = undefined;
  }
}

/**
 * type-graphql calls a field resolver through a general adapter that sorts and maps the method's
 * parameter list on every call (a nested read makes a hundred such calls). A field resolver whose
 * parameters are only @Root(), @Ctx() and @Info() - no arguments to convert or validate, no
 * middlewares or auth roles (this schema uses none) - is called directly instead, its root
 * converted to the object type's class as type-graphql does. Global middlewares and an
 * authChecker would be skipped too: trap 2 of THE BYPASS TRAP above.
 */
function callFieldResolversDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const instances = new Map<Function, Record<string, (...params: unknown[]) => unknown>>();
  for (const resolver of storage.fieldResolvers) {
    const params = [...(resolver.params ?? [])].sort((a, b) => a.index - b.index);
    const direct =
      resolver.kind === 'external' &&
      !resolver.middlewares?.length &&
      !resolver.roles &&
      params.every((p) => (p.kind === 'root' || p.kind === 'context') ? !p.propertyName : p.kind === 'info');
    const objectClass = resolver.getObjectType?.();
    const typeName = objectClass && storage.objectTypes.find((t) => t.target === objectClass)?.name;
    const field = typeName ? (schema.getType(typeName) as GraphQLObjectType | undefined)?.getFields()[resolver.schemaName] : undefined;
    if (!direct || !objectClass || !field) continue;
    let instance = instances.get(resolver.target);
    if (!instance) instances.set(resolver.target, (instance = new (resolver.target as new () => Record<string, (...params: unknown[]) => unknown>)()));
    const method = instance[resolver.methodName].bind(instance);
    const Root = objectClass as new () => object;
    const asRoot = (root: unknown) => (root === null || typeof root !== 'object' || root instanceof Root ? root : Object.assign(new Root(), root));
    const pick: ((root: unknown, context: unknown, info: unknown) => unknown)[] = params.map((p) =>
      p.kind === 'root' ? (root) => asRoot(root) : p.kind === 'context' ? (_root, context) => context : (_root, _context, info) => info,
    );
    const resolve: Resolve =
      pick.length === 2 && params[0].kind === 'root' && params[1].kind === 'context'
        ? (root, _args, context) => method(asRoot(root), context)
        : (root, _args, context, info) => method(...pick.map((get) => get(root, context, info)));
    field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
  }
}
