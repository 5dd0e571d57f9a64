import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The JSON body, or undefined when it is not JSON. */
  body: any;
}

/**
 * One HTTP request with the path and headers sent exactly as given (no client-side encoding or
 * checks, unlike supertest), for hostile paths such as `%E0%A4%A`.
 */
export function rawRequest(server: http.Server, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    // A connection per request: a kept-alive one may be closed by the server just as it is reused.
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, insecureHTTPParser: true }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${method} ${path.slice(0, 100)} within 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
