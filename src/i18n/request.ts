import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { nowMs } from '../common/clock';
import { DEFAULT_LOCALE, isLocale, localeScope, negotiateLocale, type Locale, type LocaleScope } from './locale';

/**
 * Every HTTP request gets a language scope from `Accept-Language` (zh-CN when it names none of
 * ours), answered in `Content-Language`; the GraphQL context refines it with the user's saved
 * preference (`contextLocale`).
 */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const asked = negotiateLocale(req.header('accept-language'));
  const scope: LocaleScope = { locale: asked ?? DEFAULT_LOCALE, requested: asked !== null };
  res.setHeader('Content-Language', scope.locale);
  res.vary('Accept-Language');
  localeScope.run(scope, () => next());
}

/**
 * Saved languages read, per database (one per process, or per app in tests), each kept for
 * SAVED_LOCALE_TTL_MS: a signed-in client that sends no Accept-Language of ours would otherwise
 * cost a query on every request. The process that saves a language knows it at once
 * (`rememberSavedLocale`); others within the TTL. Bounded: emptied when full.
 */
const SAVED_LOCALE_TTL_MS = 60_000;
const SAVED_LOCALES_MAX = 10_000;
const savedLocales = new WeakMap<DataSource, Map<string, { locale: Locale | null; readAt: number }>>();

function savedLocalesOf(db: DataSource) {
  let cache = savedLocales.get(db);
  if (!cache) savedLocales.set(db, (cache = new Map()));
  return cache;
}

/** The language a signed-in user saved (`setMyLocale`), or null. */
export async function savedLocale(db: DataSource, userId: string): Promise<Locale | null> {
  const cache = savedLocalesOf(db);
  const hit = cache.get(userId);
  if (hit && nowMs() - hit.readAt < SAVED_LOCALE_TTL_MS) return hit.locale;
  const [row]: { locale: string | null }[] = await db.query(`SELECT locale FROM app_user WHERE id = $1`, [userId]);
  const locale = isLocale(row?.locale) ? row.locale : null;
  rememberSavedLocale(db, userId, locale);
  return locale;
}

/** After this process saved a user's language. */
export function rememberSavedLocale(db: DataSource, userId: string, locale: Locale | null): void {
  const cache = savedLocalesOf(db);
  if (cache.size >= SAVED_LOCALES_MAX) cache.clear();
  cache.set(userId, { locale, readAt: nowMs() });
}

/**
 * The request's language: what it asked for, else the viewer's saved preference, else zh-CN. The
 * preference costs a query at most once a minute per user (`savedLocale`), only for signed-in
 * requests that name no language of ours.
 */
export async function contextLocale(db: DataSource, userId: string | null, res?: Response): Promise<Locale> {
  const scope = localeScope.getStore();
  if (scope?.requested) return scope.locale;
  const locale = (userId ? await savedLocale(db, userId) : null) ?? DEFAULT_LOCALE;
  if (scope) scope.locale = locale;
  if (res && !res.headersSent) res.setHeader('Content-Language', locale);
  return locale;
}

/**
 * The language a graphql-ws client asked for in `connectionParams`: `acceptLanguage` (an
 * Accept-Language value, e.g. "en;q=0.9, zh;q=0.5") or `locale` ("en").
 */
export function connectionLocale(params: Readonly<Record<string, unknown>> | undefined): Locale | null {
  const value = params?.acceptLanguage ?? params?.locale ?? params?.['accept-language'];
  return typeof value === 'string' ? negotiateLocale(value) : null;
}

const socketLocales = new WeakMap<object, Locale>();

/** A WebSocket connection's language (connectionParams, else the user's saved preference, else zh-CN), looked up once per connection. */
export async function socketLocale(db: DataSource, params: Readonly<Record<string, unknown>> | undefined, userId: string | null): Promise<Locale> {
  const key = params ?? socketLocales;
  const known = params ? socketLocales.get(params) : undefined;
  if (known) return known;
  const locale = connectionLocale(params) ?? (userId ? await savedLocale(db, userId) : null) ?? DEFAULT_LOCALE;
  if (params) socketLocales.set(key, locale);
  return locale;
}

/** For formatting a socket's errors: the language its operations use (connectionParams alone before any operation ran). */
export const knownSocketLocale = (params: Readonly<Record<string, unknown>> | undefined): Locale =>
  (params && socketLocales.get(params)) ?? connectionLocale(params) ?? DEFAULT_LOCALE;
