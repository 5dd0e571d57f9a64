import { defaultFieldResolver, getNamedType, isListType, isNonNullType, isObjectType, type GraphQLFieldResolver, type GraphQLOutputType, type GraphQLSchema } from 'graphql';
import { IANAZone } from 'luxon';

/*
 * Local time first (contract v2): every DateTime of a community-scoped object is written with its
 * community's UTC offset (2026-12-05T09:00:00+08:00), the same instant as in UTC; objects that
 * belong to no community (users, partners, offers, signed links) stay in UTC (…Z). Inputs take any
 * offset. See docs/local-time.md.
 *
 * How: after the schema is built, each DateTime field of an object type is wrapped so that it
 * answers the instant already written in the zone its object belongs to. The zone comes from
 * `zoneOf` (communities/: a process-wide map of community id to zone, which never changes once a
 * community exists), synchronously in all but the first read of a community in a process, so the
 * nested read stays one statement and adds no promise per field.
 */

const ianaZones = new Map<string, IANAZone | null>();
function iana(zone: string): IANAZone | null {
  let z = ianaZones.get(zone);
  if (z === undefined) {
    const created = IANAZone.create(zone);
    z = created.isValid ? created : null;
    ianaZones.set(zone, z);
  }
  return z;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

const DAY_MS = 86_400_000;
/** zone -> UTC day -> the zone's offset all that day, or NaN on a day its offset changes. */
const dayOffsets = new Map<string, Map<number, number>>();

/**
 * The zone's UTC offset (minutes) at `ms`. Asking the zone (Intl under luxon) costs ~12 µs, ten
 * times the rest of writing an instant, and a page holds hundreds of instants: so the offset is
 * remembered per zone and UTC day, and asked afresh only on the day a zone changes its offset
 * (no zone changes it twice in a day).
 */
function offsetAt(z: IANAZone, ms: number): number {
  let days = dayOffsets.get(z.name);
  if (!days) dayOffsets.set(z.name, (days = new Map()));
  const day = Math.floor(ms / DAY_MS);
  let offset = days.get(day);
  if (offset === undefined) {
    const first = z.offset(day * DAY_MS);
    offset = first === z.offset((day + 1) * DAY_MS - 1) ? first : NaN;
    if (days.size >= 100_000) days.clear();
    days.set(day, offset);
  }
  return Number.isNaN(offset) ? z.offset(ms) : offset;
}

/** The instant in `zone`'s local time with that zone's offset then: 2026-12-05T09:00:00+08:00 (milliseconds only when not zero). */
export function isoInZone(at: Date, zone: string): string {
  const ms = at.getTime();
  const z = iana(zone);
  if (!z || Number.isNaN(ms)) return at.toISOString();
  const offset = offsetAt(z, ms);
  const local = new Date(ms + offset * 60_000).toISOString();
  return local.slice(0, ms % 1000 === 0 ? 19 : 23) + offsetText(offset);
}

/** `+08:00` for 480 minutes, and so on: a zone has a few offsets, and a page writes hundreds of instants. */
const offsetTexts = new Map<number, string>();
function offsetText(offset: number): string {
  let text = offsetTexts.get(offset);
  if (text === undefined) {
    const abs = Math.abs(offset);
    text = `${offset < 0 ? '-' : '+'}${two(Math.trunc(abs / 60))}:${two(abs % 60)}`;
    if (offsetTexts.size < 1000) offsetTexts.set(offset, text);
  }
  return text;
}

/** The calendar date of an instant in `zone` (YYYY-MM-DD). */
export const localDateOf = (at: Date, zone: string): string => isoInZone(at, zone).slice(0, 10);

/** The zone an object's instants are written in: a zone, null for UTC, or a promise of either (first read of a community). */
export type ZoneOf = (typeName: string, root: Record<string, unknown>, context: unknown) => string | null | Promise<string | null>;

const isDateTime = (type: GraphQLOutputType): boolean => {
  const inner = isNonNullType(type) ? type.ofType : type;
  return !isListType(inner) && getNamedType(inner).name === 'DateTime';
};

/** Wraps every DateTime field of every object type so that it answers in its object's zone (see above). */
export function writeInstantsInZones(schema: GraphQLSchema, zoneOf: ZoneOf): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isDateTime(field.type)) continue;
      const inner = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, unknown>;
      const typeName = type.name;
      const local = (value: unknown, root: Record<string, unknown>, context: unknown): unknown => {
        if (!(value instanceof Date)) return value;
        const zone = zoneOf(typeName, root, context);
        if (zone === null) return value;
        if (typeof zone === 'string') return isoInZone(value, zone);
        return zone.then((z) => (z ? isoInZone(value, z) : value));
      };
      field.resolve = (root, args, context, info) => {
        const value = inner(root, args, context, info);
        const object = root as Record<string, unknown>;
        return value instanceof Promise ? value.then((v) => local(v, object, context)) : local(value, object, context);
      };
    }
  }
}
