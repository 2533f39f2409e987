// Weft's version, from package.json: what `weft version` prints and the control plane's GET /version answers.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function weftVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
