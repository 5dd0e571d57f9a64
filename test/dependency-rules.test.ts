import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The layer rules of .dependency-cruiser.cjs (docs/architecture.md): they hold on the tree and bite on a new violation. */
const root = path.resolve(__dirname, '..');
const depcruise = path.join(root, 'node_modules', '.bin', 'depcruise');
const config = path.join(root, '.dependency-cruiser.cjs');

function cruise(cwd: string, extra: string[] = []) {
  const run = spawnSync(depcruise, ['src', '--config', config, '--output-type', 'err', ...extra], { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A throw-away tree with the same folder names, so the rules' paths apply to it. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-deps-'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'es2022', strict: true } }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('dependency rules', () => {
  it('pass on the tree (violations older than the rules are listed as known)', () => {
    const run = cruise(root, ['--ignore-known', '.dependency-cruiser-known-violations.json']);
    expect(run.output).toMatch(/no dependency violations found/);
    expect(run.status).toBe(0);
  });

  it('refuse a new cycle, a ground layer that knows a domain, and a reach into another domain’s internals', () => {
    const dir = tree({
      'src/common/probe.ts': `import { demandThing } from '../demand/demand.service';\nexport const commonThing = () => demandThing;\n`,
      'src/demand/demand.service.ts': `import { commonThing } from '../common/probe';\nexport const demandThing = () => commonThing;\n`,
      'src/spaces/spaces.service.ts': `import { prefetchRows } from '../demand/demand.prefetch';\nexport const s = prefetchRows;\n`,
      'src/demand/demand.prefetch.ts': `export const prefetchRows = 1;\n`,
      'src/partners/partners.service.ts': `import { s } from '../spaces/spaces.service';\nexport const p = s;\n`,
    });
    try {
      const run = cruise(dir);
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(/no-circular: src\/common\/probe\.ts/);
      expect(run.output).toMatch(/ground-knows-no-domain: src\/common\/probe\.ts → src\/demand\/demand\.service\.ts/);
      expect(run.output).toMatch(/only-entry-points-across-domains: src\/spaces\/spaces\.service\.ts → src\/demand\/demand\.prefetch\.ts/);
      expect(run.output).toMatch(/bottom-domains-stay-below: src\/partners\/partners\.service\.ts → src\/spaces\/spaces\.service\.ts/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
