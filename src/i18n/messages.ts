import { IntlMessageFormat, type PrimitiveType } from 'intl-messageformat';
import { en, type MessageId } from './catalog.en';
import { zhCN } from './catalog.zh-CN';
import { currentLocale, DEFAULT_LOCALE, type Locale } from './locale';

export type { MessageId } from './catalog.en';

/** Every catalogue by locale; a message missing from one is a type error and fails test/i18n.test.ts. */
export const catalogues: Record<Locale, Record<MessageId, string>> = { 'zh-CN': zhCN, en };

/**
 * A value a message interpolates. Besides plain strings and numbers, values that must read in the
 * reader's language are kept as data (they are stored in jsonb with notifications and history):
 * - `{ at, timeZone?, style? }` an instant, written in the community's time zone ('dateTime' by default);
 * - `{ day }` a local date "YYYY-MM-DD";
 * - `{ weekday }` MONDAY..SUNDAY;
 * - `{ list, or? }` several values, joined the reader's way ("a, b and c" / "a、b和c"; with `or`, "a or b" / "a或b");
 * - `{ msg, values }` another message.
 */
export type MessageValue =
  | string
  | number
  | boolean
  | null
  | { at: string; timeZone?: string; style?: 'date' | 'dateTime' | 'time' }
  | { day: string }
  | { weekday: string }
  | { list: MessageValue[]; or?: boolean }
  | { msg: MessageId; values?: MessageValues };
export type MessageValues = Record<string, MessageValue>;

/** A message not yet rendered: what typed errors, notifications and history notes carry. */
export interface Msg {
  id: MessageId;
  values?: MessageValues;
}

export const msg = (id: MessageId, values?: MessageValues): Msg => (values ? { id, values } : { id });

const compiled = new Map<string, IntlMessageFormat>();

function formatter(locale: Locale, id: MessageId): IntlMessageFormat {
  const key = `${locale}\u0000${id}`;
  let f = compiled.get(key);
  if (!f) {
    const source = catalogues[locale][id] ?? catalogues[DEFAULT_LOCALE][id];
    if (source === undefined) throw new Error(`unknown message id ${id}`);
    // Apostrophes are plain text in our catalogues ("room's"), never ICU quoting.
    f = new IntlMessageFormat(source.replace(/'/g, "''"), locale, undefined, { ignoreTag: true });
    compiled.set(key, f);
  }
  return f;
}

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

const DATE_STYLES: Record<'date' | 'time' | 'dateTime', Intl.DateTimeFormatOptions> = {
  date: { dateStyle: 'medium' },
  time: { timeStyle: 'short' },
  dateTime: { dateStyle: 'medium', timeStyle: 'short' },
};

/**
 * Formatters by locale, style and zone: building one costs tens of microseconds, and a list of
 * suggestions writes hundreds of dates. The keys are bounded (two locales, four styles, the
 * communities' zones); an unknown zone throws as it did, before anything is kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: Locale, style: keyof typeof DATE_STYLES | 'weekday', timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${style}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...(style === 'weekday' ? { weekday: 'long' } : DATE_STYLES[style]), timeZone });
    formatters.set(key, f);
  }
  return f;
}

function valueText(locale: Locale, value: MessageValue): PrimitiveType {
  if (value === null || typeof value !== 'object') return value;
  if ('at' in value) return dateFormat(locale, value.style ?? 'dateTime', value.timeZone ?? 'UTC').format(new Date(value.at));
  if ('day' in value) {
    const at = new Date(`${value.day}T00:00:00Z`);
    return Number.isNaN(at.getTime()) ? value.day : dateFormat(locale, 'date', 'UTC').format(at);
  }
  if ('weekday' in value) {
    const i = WEEKDAYS.indexOf(value.weekday);
    // 2024-01-01 was a Monday.
    return i < 0 ? value.weekday : dateFormat(locale, 'weekday', 'UTC').format(Date.UTC(2024, 0, 1 + i));
  }
  if ('list' in value) return new Intl.ListFormat(locale, { type: value.or ? 'disjunction' : 'conjunction' }).format(value.list.map((v) => String(valueText(locale, v))));
  if ('msg' in value) return t(locale, value.msg, value.values);
  return String(value);
}

/** The message `id` in `locale`, its values written the reader's way. */
export function t(locale: Locale, id: MessageId, values: MessageValues = {}): string {
  const args: Record<string, PrimitiveType> = {};
  for (const [k, v] of Object.entries(values)) args[k] = valueText(locale, v);
  return String(formatter(locale, id).format(args));
}

/** `t` in the language of the request being served (zh-CN outside any request). */
export const tr = (id: MessageId, values?: MessageValues) => t(currentLocale(), id, values);

export const render = (locale: Locale, m: Msg) => t(locale, m.id, m.values);

export const isMessageId = (id: unknown): id is MessageId => typeof id === 'string' && Object.prototype.hasOwnProperty.call(en, id);

/**
 * A message kept in the database (notifications, history notes) in `locale`; null when its id is no
 * longer in the catalogues, so the caller shows the text stored with it.
 */
export function renderStored(locale: Locale, id: string, values: unknown): string | null {
  if (!isMessageId(id)) return null;
  try {
    return t(locale, id, (values ?? {}) as MessageValues);
  } catch {
    return null;
  }
}

/** A translator bound to one request's language: `ctx.t('id', values)`. */
export type Translator = (id: MessageId, values?: MessageValues) => string;
export const translator = (locale: Locale): Translator => (id, values) => t(locale, id, values);
