/**
 * The opening of every page the server renders itself (certificate, board, link notices, IDE):
 * Chinese unless another language is given, readable on a phone, kept out of search engines. `title` must already be escaped.
 */
export function htmlHead(title: string, lang = 'zh-CN'): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>`;
}

/** Text for an HTML page: the five characters that could open markup or end an attribute, escaped. */
export const escapeHtml = (s: string | number | null | undefined) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** 2026-12-01 -> 2026年12月1日 */
export const zhDate = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

/** Inline style shared by the printable pages: readable on a phone, one A4 sheet per page in print. */
export const PAGE_STYLE = `
  :root { color-scheme: light; }
  * { box-sizing: border-box; }
  body { font-family: "Noto Serif SC", "Songti SC", SimSun, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", serif; max-width: 60em; margin: 0 auto; padding: 1.2em; color: #222; line-height: 1.6; }
  h1 { text-align: center; letter-spacing: .3em; font-size: 1.6em; }
  .scroll { overflow-x: auto; }
  table { width: 100%; border-collapse: collapse; font-size: .9em; }
  th, td { border: 1px solid #999; padding: .3em .5em; text-align: left; vertical-align: top; }
  td.num { text-align: right; }
  .note { color: #555; font-size: .85em; }
  @media (max-width: 40em) { body { padding: .6em; font-size: 15px; } h1 { letter-spacing: .1em; } th, td { padding: .25em .3em; } }
  @page { size: A4; margin: 18mm 15mm; }
  @media print { body { max-width: none; padding: 0; font-size: 11pt; } .note { color: #000; } .scroll { overflow: visible; } tr { break-inside: avoid; } .no-print { display: none; } }
`;
