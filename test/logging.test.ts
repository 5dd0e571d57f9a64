import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../src/config';

const root = path.resolve(__dirname, '..');

/** What a logger built for `format` prints for one entry, from a separate process as a server would. */
function printed(format: 'json' | 'pretty'): string {
  const script = `require('ts-node/register/transpile-only'); const { createLogger } = require('./src/logger');
    createLogger('info', '${format}').info({ requestId: 'r-1' }, 'database connected');`;
  const { FORCE_COLOR: _force, ...env } = process.env;
  const out = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...env, NO_COLOR: '1' } });
  return out.stdout;
}

describe('log format', () => {
  it('is JSON in production, tests and under a pipe, pretty in development at a terminal, as LOG_FORMAT says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).logFormat).toBe(process.stdout.isTTY ? 'pretty' : 'json');
    expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'development', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe('json');
  });

  it('prints JSON lines, or readable lines with the same fields', () => {
    const json = JSON.parse(printed('json'));
    expect(json).toMatchObject({ level: 30, msg: 'database connected', requestId: 'r-1', service: 'marketplace' });
    const pretty = printed('pretty');
    expect(() => JSON.parse(pretty)).toThrow();
    expect(pretty).toMatch(/INFO.*database connected/);
    expect(pretty).toMatch(/requestId: "r-1"/);
  });
});
