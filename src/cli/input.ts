// `-f FILE|DIR|-`: what to read. A directory means its *.yaml, *.yml and *.json files (not
// recursive, sorted, as kubectl does); `-` is standard input.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError } from '../core/errors.ts';

export interface InputFile {
  /** The name messages use (the path as given, or "stdin"). */
  readonly source: string;
  readonly text: string;
}

const EXTENSIONS = /\.(ya?ml|json)$/i;

export function readInputs(paths: readonly string[]): InputFile[] {
  if (paths.length === 0) throw new WeftError('WEFT_USAGE', 'say what to read with -f FILE, -f DIR or -f - (standard input)');
  const out: InputFile[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ source: 'stdin', text: readFileSync(0, 'utf8') });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      throw new WeftError('WEFT_IO', `cannot read ${p}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    if (isDir) {
      const files = readdirSync(p).filter((f) => EXTENSIONS.test(f)).sort();
      if (files.length === 0) throw new WeftError('WEFT_IO', `${p} has no .yaml, .yml or .json files`);
      for (const f of files) out.push({ source: join(p, f), text: readFileSync(join(p, f), 'utf8') });
    } else {
      out.push({ source: p, text: readFileSync(p, 'utf8') });
    }
  }
  return out;
}
