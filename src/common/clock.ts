/**
 * The server's one source of "now" for business rules (what is past or future, which month a
 * service log falls in, whether a contract has expired). Rules that run in SQL take it as a
 * parameter (`$n::timestamptz`) rather than calling `now()`, so that the database agrees with it.
 *
 * Tests set it (`setClock`) so that date-dependent behaviour is checked at chosen instants (a
 * month's end in Asia/Shanghai, a daylight-saving change in New York) instead of whenever the
 * suite happens to run. A server process started with `CLOCK_START` (never honoured in
 * production) starts its clock there. The clock runs on from the instant it was set to, unless
 * frozen. Time limits read it too (token expiry, the token-version cache, the failed-login
 * throttle, rate-limit windows), so their tests move time on instead of sleeping; in production it
 * is real time. Only measurements (durations in logs and metrics, timeouts) use the real clock.
 */
let offsetMs = 0;
let frozenAt: number | null = null;

/** The current instant. */
export function now(): Date {
  return new Date(nowMs());
}

export function nowMs(): number {
  return frozenAt ?? Date.now() + offsetMs;
}

/**
 * Sets the clock to `at` (it runs on from there, or stays there when `frozen`); `null` restores real
 * time. For tests and for `CLOCK_START` outside production.
 */
export function setClock(at: Date | string | null, options: { frozen?: boolean } = {}): void {
  if (at === null) {
    offsetMs = 0;
    frozenAt = null;
    return;
  }
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new Error(`setClock: not an instant: ${String(at)}`);
  frozenAt = options.frozen ? ms : null;
  offsetMs = options.frozen ? 0 : ms - Date.now();
}

/** Moves a set clock forward (or back, with a negative amount). */
export function advanceClock(ms: number): void {
  if (frozenAt !== null) frozenAt += ms;
  else offsetMs += ms;
}

/** A server process started with `CLOCK_START=<ISO instant>` runs its clock from there; refused in production. */
export function setClockFromEnv(env: NodeJS.ProcessEnv): void {
  if (!env.CLOCK_START) return;
  if (env.NODE_ENV === 'production') throw new Error('CLOCK_START is for tests and demos; it is refused in production');
  setClock(env.CLOCK_START);
}
