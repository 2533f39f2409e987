// ARCHITECTURE.md: imports point one way. core ← api, xds, pki ← control, proxy ← cli, and
// control and proxy never import each other. This test reads every import and fails on a
// backward or sideways edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const SRC = new URL('../src/', import.meta.url).pathname;

/** What each top-level folder may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  api: ['core'],
  xds: ['core'],
  pki: ['core'],
  control: ['core', 'api', 'xds', 'pki'],
  proxy: ['core', 'api', 'xds', 'pki'],
  cli: ['core', 'api', 'xds', 'pki', 'control', 'proxy'],
  dashboard: ['core', 'api'],
};

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push(m[1] ?? m[2]);
  }
  return out;
}

test('imports between src/ folders point one way (ARCHITECTURE.md)', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file).split('/')[0];
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(file), spec));
      if (target.startsWith('..')) continue; // package.json and the like
      const to = target.split('/')[0];
      checked++;
      if (to === from) continue;
      if (!(ALLOWED[from] ?? []).includes(to)) violations.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
    }
  }
  assert.ok(checked > 10, 'the scan found imports to check');
  assert.deepEqual(violations, []);
});

test('the layout check itself catches a control ⇄ proxy import', () => {
  const fake = "import { x } from '../../proxy/http/stream.ts';";
  const spec = importsOf(fake)[0];
  const target = relative(SRC, resolve(join(SRC, 'control/xds'), spec));
  assert.equal(target.split('/')[0], 'proxy');
  assert.ok(!ALLOWED.control.includes('proxy'));
});
