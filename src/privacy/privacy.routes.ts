import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { authenticate } from '../auth/auth.service';
import type { Config } from '../config';
import { inTransaction } from '../db/transaction';
import { AppError, UnauthenticatedError } from '../errors';
import { DEFAULT_LOCALE } from '../i18n/locale';
import { t } from '../i18n/messages';
import { contextLocale } from '../i18n/request';
import { writeExport } from './export';

/**
 * `GET /me/export` (PIPL Art. 45; docs/personal-data.md "Export"): everything the service holds
 * about the bearer of the token, as one JSON document written section by section.
 */
export function privacyRouter(deps: { db: DataSource; config: Config; log: Logger }): Router {
  const router = Router();
  router.get('/me/export', async (req: Request, res: Response) => {
    let locale = DEFAULT_LOCALE;
    try {
      const viewer = await authenticate(deps.db, deps.config, req.header('authorization'));
      locale = await contextLocale(deps.db, viewer.userId, res);
      if (viewer.authError) throw viewer.authError;
      if (!viewer.userId) throw new UnauthenticatedError();
      const userId = viewer.userId;
      res.status(200);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('content-disposition', 'attachment; filename="personal-data.json"');
      res.setHeader('cache-control', 'no-store');
      await inTransaction(
        deps.db,
        (tx) =>
          writeExport(tx, userId, async (chunk) => {
            if (!res.write(chunk)) await once(res, 'drain');
          }),
        { isolation: 'REPEATABLE READ', retries: 0 },
      );
      res.end();
    } catch (error) {
      if (res.headersSent) {
        // Mid-stream: cut the download so it cannot pass for complete.
        deps.log.error({ err: error }, 'personal data export failed mid-stream');
        res.destroy(error as Error);
        return;
      }
      if (error instanceof AppError) {
        res.status(error.code === 'UNAUTHENTICATED' ? 401 : 400).json({ errors: [error.localized(locale)] });
        return;
      }
      deps.log.error({ err: error }, 'personal data export failed');
      res.status(500).json({ errors: [{ message: t(locale, 'error.internal'), extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  });
  return router;
}
