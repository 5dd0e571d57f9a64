import { getNamedType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { allows, type TypeVisibility } from '../auth/visibility';

/**
 * Minimum necessary (PIPL Art. 6; docs/personal-data.md): fields whose name says they hold a
 * person's contact, address or free text about them. Wherever an anonymous reader can reach one,
 * a visibility table must restrict it.
 */
export const PERSONAL_FIELD = /email|phone|mobile|building|address|note|comment/i;

const ANONYMOUS = new Set(['anonymous'] as const);

/**
 * The personal fields (`Type.field`) an anonymous reader reaches from `roots` without a
 * restricting rule in `tables`. A field is guarded when its type's table lists it (or lists
 * `parent { field ... }` for it under the field it was reached through) with a rule anonymous
 * readers do not hold; a type whose rows anonymous readers never see is not entered. Empty: none.
 */
export function unguardedPersonalFields(schema: GraphQLSchema, tables: readonly TypeVisibility[], roots: readonly string[] = ['PublicBoard']): string[] {
  const tableOf = new Map(tables.map((t) => [t.type, t]));
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (typeName: string, guardedHere: ReadonlySet<string>) => {
    const key = `${typeName}:${[...guardedHere].sort().join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    const type = schema.getType(typeName);
    if (!isObjectType(type) && !isInterfaceType(type)) return;
    const table = tableOf.get(typeName);
    if (table?.rows && !allows(table.rows, ANONYMOUS) && !table.rows.publicWhen) return;
    for (const [name, field] of Object.entries(type.getFields())) {
      const rule = table?.fields[name as keyof typeof table.fields];
      const restricted = guardedHere.has(name) || (rule !== undefined && !allows(rule, ANONYMOUS));
      if (restricted) continue;
      if (PERSONAL_FIELD.test(name)) found.add(`${typeName}.${name}`);
      // `history { note by }`: the table of this type guards those fields of the type below.
      const nested = Object.keys(table?.fields ?? {})
        .map((k) => /^(\w+)\s*\{([^}]*)\}$/.exec(k))
        .filter((m): m is RegExpExecArray => !!m && m[1] === name)
        .flatMap((m) => m[2].trim().split(/\s+/));
      visit(getNamedType(field.type).name, new Set(nested));
    }
  };
  for (const root of roots) visit(root, new Set());
  return [...found].sort();
}
