import { isUuid } from '../common/ids';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { partnerFeed, roomFeed } from './calendar.service';
import { currentLocale, negotiateLocale, type Locale } from '../i18n/locale';
import { t } from '../i18n/messages';

/**
 * A feed's language: `?lang=en` (or zh-CN), else Accept-Language, else Chinese. Calendar apps
 * subscribe without Accept-Language, so the language a subscriber wants goes into the URL.
 */
function feedLocale(req: Request): Locale {
  const lang = typeof req.query.lang === 'string' ? req.query.lang : undefined;
  return negotiateLocale(lang) ?? currentLocale();
}


function sendCalendar(res: Response, body: string, cache: string) {
  res.setHeader('content-type', 'text/calendar; charset=utf-8');
  res.setHeader('cache-control', cache);
  res.send(body);
}

/**
 * iCalendar feeds a phone can subscribe to: GET /calendar/rooms/:roomId.ics (public) and
 * GET /calendar/partners/:partnerId.ics?token=... (the partner's secret calendar token).
 */
export function calendarRouter({ db, config, log }: { db: DataSource; config: Config; log: Logger }): Router {
  const router = Router();

  router.get('/calendar/rooms/:roomId.ics', async (req, res) => {
    try {
      const body = isUuid(req.params.roomId) ? await roomFeed(db, config, req.params.roomId, feedLocale(req)) : null;
      if (body === null) return void res.status(404).type('text/plain; charset=utf-8').send(t(feedLocale(req), 'calendar.noRoom'));
      sendCalendar(res, body, 'public, max-age=300');
    } catch (err) {
      log.error({ err }, 'room calendar failed');
      res.status(500).type('text/plain; charset=utf-8').send(t(feedLocale(req), 'error.internal'));
    }
  });

  router.get('/calendar/partners/:partnerId.ics', async (req, res) => {
    try {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      if (!token) return void res.status(401).type('text/plain; charset=utf-8').send(t(feedLocale(req), 'calendar.needsToken'));
      const body = isUuid(req.params.partnerId) ? await partnerFeed(db, config, req.params.partnerId, token) : null;
      if (body === null) return void res.status(403).type('text/plain; charset=utf-8').send(t(feedLocale(req), 'calendar.wrongToken'));
      sendCalendar(res, body, 'private, max-age=300');
    } catch (err) {
      log.error({ err }, 'partner calendar failed');
      res.status(500).type('text/plain; charset=utf-8').send(t(feedLocale(req), 'error.internal'));
    }
  });

  return router;
}
