import { now, setClock } from '../../src/common/clock';

/**
 * Fixed instants for date-dependent tests: the server's clock (src/common/clock.ts) is set to each,
 * so a test no longer passes or fails with the hour it happens to run at.
 */
export const INSTANTS = {
  /** 00:30 on the 1st in Shanghai, still 11:30 on the 30th in New York. */
  shanghaiMonthStart: '2026-11-30T16:30:00Z',
  /** The hour a run failed on the wall clock: 06:40 on 1 December in Shanghai, 17:40 on 30 November in New York. */
  monthEndEvening: '2026-11-30T22:40:00Z',
  /** 04:59 on the 1st in New York: the last minute before both zones are in the new month. */
  bothZonesTurning: '2026-12-01T04:59:00Z',
  /** New York springs forward (02:00 -> 03:00 on 14 March 2027); 03:30 EDT. */
  newYorkSpringForward: '2027-03-14T07:30:00Z',
  /** New York falls back (02:00 -> 01:00 on 1 November 2026); the second 01:30. */
  newYorkFallBack: '2026-11-01T06:30:00Z',
  /** 10:00 UTC: a new local day in neither zone's morning. */
  midMonth: '2026-06-15T10:00:00Z',
} as const;

export type InstantName = keyof typeof INSTANTS;

/** `[name, iso]` pairs for `it.each` / `describe.each`. */
export const instants = (...names: InstantName[]): [InstantName, string][] =>
  (names.length ? names : (Object.keys(INSTANTS) as InstantName[])).map((n) => [n, INSTANTS[n]]);

/** Sets the server's clock (it runs on from `at`) for the test; call `resetClock` after. */
export const setTestClock = (at: string) => setClock(at);
export const resetClock = () => setClock(null);
/** The server's now, as the test sees it. */
export const testNow = () => now();
