import { AsyncLocalStorage } from 'node:async_hooks';
import { match } from '@formatjs/intl-localematcher';
import Negotiator from 'negotiator';

/** The languages the API speaks; the first is everyone's default (the users are in Chinese cities). */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export const isLocale = (value: unknown): value is Locale => typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

const NO_MATCH = 'und';

/**
 * The supported language an `Accept-Language` value asks for (q-values honoured; `zh`, `zh-Hans`,
 * `zh-TW` all read Chinese, `en-GB` English), or null when it names none of ours (then the user's
 * saved preference decides).
 */
export function negotiateLocale(acceptLanguage: string | undefined | null): Locale | null {
  if (!acceptLanguage?.trim()) return null;
  // Worked out once per header value: the matcher costs 0.3 ms for `zh-CN` and 0.8 for a browser's
  // `en-US,en;q=0.9,zh-CN;q=0.8` (CLDR language distances), on every request that sends one, and
  // clients send few distinct values. Bounded: emptied when full.
  const known = negotiated.get(acceptLanguage);
  if (known !== undefined) return known;
  const locale = negotiate(acceptLanguage);
  if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
  negotiated.set(acceptLanguage, locale);
  return locale;
}

const NEGOTIATED_MAX = 1_000;
const negotiated = new Map<string, Locale | null>();

function negotiate(acceptLanguage: string): Locale | null {
  const requested = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages().filter((l) => l !== '*');
  if (!requested.length) return null;
  let found: string;
  try {
    found = match(requested, [...LOCALES], NO_MATCH);
  } catch {
    // A malformed tag (e.g. "x_y") is no request for a language.
    return null;
  }
  return isLocale(found) ? found : null;
}

/**
 * The language of the request being served: set from `Accept-Language` by `localeMiddleware`,
 * refined with the user's saved preference when the GraphQL context is built. Errors read it when
 * they are created and when they are formatted.
 */
export interface LocaleScope {
  locale: Locale;
  /** True when the request itself named the language (header or connectionParams). */
  requested: boolean;
}

export const localeScope = new AsyncLocalStorage<LocaleScope>();

export function currentLocale(): Locale {
  return localeScope.getStore()?.locale ?? DEFAULT_LOCALE;
}

export function withLocale<T>(locale: Locale, fn: () => T): T {
  return localeScope.run({ locale, requested: true }, fn);
}
