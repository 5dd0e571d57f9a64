import { now as clockNow } from './clock';
import { DateTime } from 'luxon';
import { BadUserInputError, fieldError, type FieldError } from '../errors';
import { msg } from '../i18n/messages';

/** Luxon numbers weekdays 1 (Monday) to 7 (Sunday); the names are those of the GraphQL enum `Weekday`. */
export const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

/** A fixed weekly slot in local time, as rooms and contracts hold them (communities' `WeeklySlot`, taken structurally). */
export interface WeeklySlot {
  weekday: (typeof WEEKDAYS)[number];
  startTime: string;
  endTime: string;
}

export interface Occurrence<S extends WeeklySlot = WeeklySlot> {
  start: Date;
  end: Date;
  slot: S;
}

export const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

export const sameSlot = (a: WeeklySlot, b: WeeklySlot) =>
  a.weekday === b.weekday && a.startTime === b.startTime && a.endTime === b.endTime;

/** Start before end, and no two slots of one weekday overlapping (touching is fine). */
export function validateWeeklySlots(slots: WeeklySlot[], path: string): void {
  const errors: FieldError[] = [];
  slots.forEach((s, i) => {
    if (minutesOf(s.startTime) >= minutesOf(s.endTime)) {
      errors.push(fieldError(`${path}[${i}]`, msg('slot.startBeforeEnd')));
    }
  });
  slots.forEach((a, i) =>
    slots.slice(0, i).forEach((b, j) => {
      if (a.weekday === b.weekday && minutesOf(a.startTime) < minutesOf(b.endTime) && minutesOf(b.startTime) < minutesOf(a.endTime)) {
        errors.push(fieldError(`${path}[${i}]`, msg('slot.overlaps', { other: `${path}[${j}]`, slot: { msg: 'slot', values: { weekday: { weekday: b.weekday }, startTime: b.startTime, endTime: b.endTime } } })));
      }
    }),
  );
  if (errors.length) throw new BadUserInputError(errors);
}

/** The instant of `time` on the local `day` in `zone`, or null where that local time does not exist (DST gap). */
function at(day: DateTime, time: string): DateTime | null {
  const [hour, minute] = [Number(time.slice(0, 2)), Number(time.slice(3, 5))];
  const t = day.set({ hour, minute, second: 0, millisecond: 0 });
  return t.hour === hour && t.minute === minute ? t : null;
}

/**
 * Every occurrence of the weekly slots that starts in [from, to), computed day by day in the
 * community's time zone, so 19:00 stays 19:00 local across daylight-saving changes. A slot whose
 * local start or end does not exist on a day (skipped by a DST change) has no occurrence that day.
 */
export function occurrencesBetween<S extends WeeklySlot>(slots: S[], zone: string, from: Date, to: Date): Occurrence<S>[] {
  const result: Occurrence<S>[] = [];
  const last = DateTime.fromJSDate(to, { zone });
  for (let day = DateTime.fromJSDate(from, { zone }).startOf('day'); day <= last; day = day.plus({ days: 1 })) {
    const weekday = WEEKDAYS[day.weekday - 1];
    for (const slot of slots) {
      if (slot.weekday !== weekday) continue;
      const start = at(day, slot.startTime);
      const end = at(day, slot.endTime);
      if (!start || !end) continue;
      const s = start.toJSDate();
      if (s >= from && s < to) result.push({ start: s, end: end.toJSDate(), slot });
    }
  }
  return result.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The occurrence of one of `slots` that starts exactly at `start`, if any. */
export function occurrenceStartingAt<S extends WeeklySlot>(slots: S[], zone: string, start: Date): Occurrence<S> | null {
  const next = new Date(start.getTime() + 1);
  return occurrencesBetween(slots, zone, start, next)[0] ?? null;
}

/** Every occurrence of `slots` on the local dates startsOn..endsOn inclusive (YYYY-MM-DD). */
export function occurrencesOnDates<S extends WeeklySlot>(slots: S[], zone: string, startsOn: string, endsOn: string): Occurrence<S>[] {
  const from = DateTime.fromISO(startsOn, { zone }).startOf('day').toJSDate();
  const to = DateTime.fromISO(endsOn, { zone }).plus({ days: 1 }).startOf('day').toJSDate();
  return occurrencesBetween(slots, zone, from, to);
}

/** Today's date (YYYY-MM-DD) in `zone`. */
export const localToday = (zone: string, now = clockNow()) => DateTime.fromJSDate(now, { zone }).toISODate()!;
