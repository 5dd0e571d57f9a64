import { DateTime } from 'luxon';

/** One calendar month of a contract's term, clipped to the term and the requested range. */
export interface ObligationMonth {
  /** YYYY-MM */
  month: string;
  /** First and last local dates (YYYY-MM-DD) of the whole month: sessions are counted over the whole month. */
  firstDay: string;
  lastDay: string;
  promisedSessions: number;
}

const date = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC' });

/**
 * The months of the term startsOn..endsOn (inclusive local dates) that meet the range from..to
 * (inclusive, either end open). A full month of the term promises `sessionsPerMonth`; a month the
 * term covers only partly (the first or last) promises it pro rata by days, rounded to the nearest
 * session, so a contract starting on the 25th is not held to a whole month's sessions.
 */
export function obligationMonths(
  sessionsPerMonth: number,
  startsOn: string,
  endsOn: string,
  from?: string | null,
  to?: string | null,
): ObligationMonth[] {
  const termStart = date(startsOn);
  const termEnd = date(endsOn);
  const first = from && date(from) > termStart ? date(from) : termStart;
  const last = to && date(to) < termEnd ? date(to) : termEnd;
  const months: ObligationMonth[] = [];
  if (first > last) return months;
  for (let month = first.startOf('month'); month <= last; month = month.plus({ months: 1 })) {
    const monthEnd = month.endOf('month').startOf('day');
    const coveredFrom = termStart > month ? termStart : month;
    const coveredTo = termEnd < monthEnd ? termEnd : monthEnd;
    const coveredDays = coveredTo.diff(coveredFrom, 'days').days + 1;
    const daysInMonth = month.daysInMonth!;
    months.push({
      month: month.toFormat('yyyy-MM'),
      firstDay: month.toISODate()!,
      lastDay: monthEnd.toISODate()!,
      promisedSessions: coveredDays >= daysInMonth ? sessionsPerMonth : Math.round((sessionsPerMonth * coveredDays) / daysInMonth),
    });
  }
  return months;
}
