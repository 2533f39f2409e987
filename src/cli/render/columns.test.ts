// Golden files for `weft get` tables (STYLE.md): the examples/mesh resources rendered for each
// kind, plain, -o wide and -A. UPDATE_GOLDEN=1 rewrites the files after an intended change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { KINDS, loadResources, type Resource } from '../../api/index.ts';
import { renderResources } from './columns.ts';
import { humanDuration } from './age.ts';
import { renderTable } from './table.ts';

const EXAMPLES = ['mesh', 'grpc'].map((d) => new URL(`../../../examples/${d}/`, import.meta.url).pathname);
const GOLDEN = new URL('./testdata/', import.meta.url).pathname;
const NOW = new Date('2026-12-01T12:00:00Z');

function fixtures(): Resource[] {
  const out: Resource[] = [];
  for (const dir of EXAMPLES) {
    for (const file of readdirSync(dir).sort()) {
      const r = loadResources(readFileSync(dir + file, 'utf8'), file);
      assert.ok(r.ok);
      out.push(...r.resources);
    }
  }
  // Ages from seconds to days, so AGE formatting is part of the golden output.
  const agesMs = [5_000, 150_000, 4_000_000, 90_000_000, 400_000_000];
  return out.map((r, i) => ({ ...r, metadata: { ...r.metadata, creationTimestamp: new Date(NOW.getTime() - agesMs[i % agesMs.length]).toISOString() } }));
}

function golden(name: string, actual: string): void {
  const path = GOLDEN + name;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.ok(existsSync(path), `${name}: no golden file yet; run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from the golden file (UPDATE_GOLDEN=1 to accept)`);
}

test('weft get tables match the golden files', () => {
  const all = fixtures();
  for (const info of KINDS) {
    const items = all.filter((r) => r.kind === info.kind);
    if (items.length === 0) continue;
    const slug = info.singular;
    golden(`${slug}.txt`, renderResources(info, items, { wide: false, allNamespaces: false, now: NOW }));
    golden(`${slug}-wide.txt`, renderResources(info, items, { wide: true, allNamespaces: false, now: NOW }));
    if (info.namespaced) golden(`${slug}-all-namespaces.txt`, renderResources(info, items, { wide: false, allNamespaces: true, now: NOW }));
  }
  assert.equal(readdirSync(GOLDEN).length, 17);
});

test('AGE follows kubectl (HumanDuration)', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [0, '0s'], [45 * s, '45s'], [119 * s, '119s'], [120 * s, '2m'], [310 * s, '5m10s'], [95 * 60 * s, '95m'],
    [200 * 60 * s, '3h20m'], [30 * 3600 * s, '30h'], [(5 * 24 + 3) * 3600 * s, '5d3h'], [400 * 24 * 3600 * s, '400d'],
    [(3 * 365 + 20) * 24 * 3600 * s, '3y20d'], [9 * 365 * 24 * 3600 * s, '9y'], [-5 * s, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('tables pad to the widest cell plus three spaces, without trailing spaces', () => {
  assert.equal(renderTable(['NAME', 'AGE'], [['a', '1s'], ['longer-name', '10m']]), 'NAME          AGE\na             1s\nlonger-name   10m\n');
});
