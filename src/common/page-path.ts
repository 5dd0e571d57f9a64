/** Where a signed link opens its page: `/p/<token>`; the token is 32 random bytes, base64url (43 characters). */
export const PAGE_PATH = '/p/';

/**
 * A request path with a page token replaced, for logs: the token is as good as the page. Express
 * routes case-insensitively and forgives repeated slashes, so the log does too.
 */
export function redactPageToken(path: string): string {
  return path.replace(/^\/+p\/+[^/]+/i, '/p/[redacted]');
}
