import { getMetadataStorage, type ValidationError } from 'class-validator';
import { IANAZone } from 'luxon';
import { BadUserInputError, fieldError, type FieldError } from '../errors';
import { isMessageId, msg, type MessageValues, type Msg } from '../i18n/messages';

export const TITLE_MAX = 200;
export const TEXT_MAX = 4000;
export const QUANTITY_MAX = 1_000_000;

/** The values an enum decorator accepts (a TypeScript enum object: its values, without numeric reverse keys). */
const enumValues = (entity: unknown): string[] =>
  entity && typeof entity === 'object'
    ? Object.entries(entity)
        .filter(([key]) => Number.isNaN(Number(key)))
        .map(([, value]) => String(value))
    : [];

/**
 * class-validator's constraints, by name, as catalogue messages (src/i18n) with the constraint's
 * values: the field message is then written in the reader's language. A constraint not listed
 * here reads "is not valid".
 */
const CONSTRAINT_MESSAGES: Record<string, (c: unknown[]) => Msg> = {
  isEmail: () => msg('field.email'),
  maxLength: ([max]) => msg('field.atMostChars', { max: Number(max) }),
  isLength: ([min, max]) => msg('field.lengthBetween', { min: Number(min), max: Number(max) }),
  min: ([min]) => msg('field.atLeast', { min: Number(min) }),
  max: ([max]) => msg('field.atMost', { max: Number(max) }),
  isInt: () => msg('field.integer'),
  isString: () => msg('field.text'),
  isUuid: () => msg('field.uuid'),
  isEnum: ([entity]) => msg('field.oneOf', { values: { list: enumValues(entity), or: true } }),
  arrayMaxSize: ([max]) => msg('field.listAtMost', { max: Number(max) }),
  arrayMinSize: ([min]) => msg('field.listAtLeast', { min: Number(min) }),
  arrayUnique: () => msg('field.listUnique'),
};

/** The constraint values (`@MaxLength(200)`: [200]) of the decorator `name` on `property` of `target`'s class. */
function constraintsOf(target: object | undefined, property: string, name: string): unknown[] {
  if (!target) return [];
  const metadata = getMetadataStorage()
    .getTargetValidationMetadatas(target.constructor, '', true, false)
    .find((m) => m.propertyName === property && m.name === name);
  return metadata?.constraints ?? [];
}

/**
 * One constraint's message: a decorator's own `message` is a catalogue id (`{ message: 'field.uuid' }`);
 * otherwise the constraint's catalogue message.
 */
function constraintMessage(e: ValidationError, name: string, given: string): Msg {
  if (isMessageId(given)) return msg(given);
  const message = CONSTRAINT_MESSAGES[name];
  return message ? message(constraintsOf(e.target, e.property, name)) : msg('field.invalid');
}

/** Flattens class-validator's tree into `{ path, message }` pairs rooted at the argument name, in the reader's language. */
export function fieldErrors(errors: ValidationError[], prefix: string): FieldError[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([name, given]) => fieldError(path, constraintMessage(e, name, given)));
    return [...own, ...fieldErrors(e.children ?? [], path)];
  });
}

/** For plain string arguments (reasons, notes) that no input class validates. */
export function checkText(path: string, value: string | null | undefined, { max = TEXT_MAX, required = false } = {}): void {
  if (value == null) {
    if (required) throw BadUserInputError.field(path, msg('field.required'));
    return;
  }
  if (required && value.trim() === '') throw BadUserInputError.field(path, msg('field.mustNotBeEmpty'));
  if (value.length > max) throw BadUserInputError.field(path, msg('field.atMostChars', { max } satisfies MessageValues));
}

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
