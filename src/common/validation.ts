import type { ValidationError } from 'class-validator';
import { IANAZone } from 'luxon';
import { BadUserInputError, type FieldError } from '../errors';

export const TITLE_MAX = 200;
export const TEXT_MAX = 4000;
export const QUANTITY_MAX = 1_000_000;

/** Flattens class-validator's tree into `{ path, message }` pairs rooted at the argument name. */
export function fieldErrors(errors: ValidationError[], prefix: string): FieldError[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...fieldErrors(e.children ?? [], path)];
  });
}

/** For plain string arguments (reasons, notes) that no input class validates. */
export function checkText(path: string, value: string | null | undefined, { max = TEXT_MAX, required = false } = {}): void {
  if (value == null) {
    if (required) throw BadUserInputError.field(path, 'is required');
    return;
  }
  if (required && value.trim() === '') throw BadUserInputError.field(path, 'must not be empty');
  if (value.length > max) throw BadUserInputError.field(path, `must be at most ${max} characters`);
}

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}
