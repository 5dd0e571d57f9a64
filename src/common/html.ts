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
