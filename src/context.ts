import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { AppError } from './errors';
import type { Locale } from './i18n/locale';

/** Who is calling: a user id from a valid token, or nobody (with the reason if a token was refused). */
export interface Viewer {
  userId: string | null;
  authError: AppError | null;
}

export interface Ctx {
  db: DataSource;
  config: Config;
  log: Logger;
  requestId: string;
  viewer: Viewer;
  /** The client's IP as seen through TRUST_PROXY (for per-address limits such as failed logins); absent outside GraphQL. */
  clientAddress?: string;
  /** The reader's language: Accept-Language / connectionParams, else their saved preference, else zh-CN (src/i18n). */
  locale: Locale;
  /** Request-scoped DataLoaders by name; see common/loaders.ts. */
  loaders: Map<string, DataLoader<unknown, unknown>>;
  /**
   * Memoised roles of the viewer. Its shape belongs to auth/policy.ts (`viewerRoles`), which this
   * ground-floor module must not import (a cycle); only that module and auth/visibility.ts set it.
   */
  roles?: Promise<unknown>;
}
