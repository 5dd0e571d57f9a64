import { isUuid } from '../common/ids';
import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { partnerFeed, roomFeed } from './calendar.service';


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
      const body = isUuid(req.params.roomId) ? await roomFeed(db, config, req.params.roomId) : null;
      if (body === null) return void res.status(404).type('text/plain').send('No such room');
      sendCalendar(res, body, 'public, max-age=300');
    } catch (err) {
      log.error({ err }, 'room calendar failed');
      res.status(500).type('text/plain').send('Internal server error');
    }
  });

  router.get('/calendar/partners/:partnerId.ics', async (req, res) => {
    try {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      if (!token) return void res.status(401).type('text/plain').send('This feed needs its token');
      const body = isUuid(req.params.partnerId) ? await partnerFeed(db, config, req.params.partnerId, token) : null;
      if (body === null) return void res.status(403).type('text/plain').send('Unknown partner or wrong token');
      sendCalendar(res, body, 'private, max-age=300');
    } catch (err) {
      log.error({ err }, 'partner calendar failed');
      res.status(500).type('text/plain').send('Internal server error');
    }
  });

  return router;
}
