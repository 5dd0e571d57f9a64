import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
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

/** The language a signed-in user saved (`setMyLocale`), or null. */
export async function savedLocale(db: DataSource, userId: string): Promise<Locale | null> {
  const [row]: { locale: string | null }[] = await db.query(`SELECT locale FROM app_user WHERE id = $1`, [userId]);
  return isLocale(row?.locale) ? row.locale : null;
}

/**
 * The request's language: what it asked for, else the viewer's saved preference, else zh-CN. The
 * preference costs one query, only for a signed-in request that named no language of ours.
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
