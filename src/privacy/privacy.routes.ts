import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { authenticate } from '../auth/auth.service';
import type { Config } from '../config';
import { AppError, UnauthenticatedError } from '../errors';
import { DEFAULT_LOCALE } from '../i18n/locale';
import { t } from '../i18n/messages';
import { contextLocale } from '../i18n/request';
import { sendExport } from './export';

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
      await sendExport(deps.db, viewer.userId, res);
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
