// Test helpers for the model: resources from YAML (validated and defaulted exactly as apply
// does), with creation times set so that route age — part of Gateway API precedence — is explicit.

import { readFileSync, readdirSync } from 'node:fs';
import { loadResources, formatProblems, type Resource } from '../../api/index.ts';
import { meshSnapshot, type MeshSnapshot } from './snapshot.ts';
import { re2Checker } from './re2.ts';

export function resources(yaml: string, created: Readonly<Record<string, string>> = {}): Resource[] {
  const r = loadResources(yaml, 'test.yaml', { regex: re2Checker });
  if (!r.ok) throw new Error(formatProblems(r.problems, r.total));
  return r.resources.map((res, i) => ({
    ...res,
    metadata: { ...res.metadata, creationTimestamp: created[res.metadata.name] ?? `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` },
  }));
}

export function snapshotOf(yaml: string, created?: Readonly<Record<string, string>>): MeshSnapshot {
  return meshSnapshot(resources(yaml, created));
}

export function exampleSnapshot(dir: 'mesh' | 'grpc'): MeshSnapshot {
  const base = new URL(`../../../examples/${dir}/`, import.meta.url).pathname;
  const text = readdirSync(base).sort().map((f) => readFileSync(base + f, 'utf8')).join('\n---\n');
  return snapshotOf(text);
}
