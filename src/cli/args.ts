// What the commands parse alike: --server, --help and KIND for the control-plane clients, and
// numeric flags (ports, rates) for every command.

import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { WeftError } from '../core/errors.ts';
import { resolveKind, KINDS, type KindInfo } from '../api/index.ts';

const COMMON = {
  server: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

export const SERVER_HELP = '      --server URL       the control plane\'s REST API (default: $WEFT_SERVER or http://127.0.0.1:15080)\n  -h, --help             this text';

/** Parses `argv`; prints `help` and returns undefined for --help. */
export function parseCommand<const O extends ParseArgsOptionsConfig>(argv: string[], options: O, help: string) {
  const parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, ...COMMON } });
  if ((parsed.values as { help?: boolean }).help) {
    console.log(help);
    return undefined;
  }
  return parsed;
}

/** KIND as typed (`svc`, `httproutes`, `TrafficPolicy` …), or a usage error listing the kinds. */
export function kindOrUsage(text: string | undefined, help: string): KindInfo {
  if (text === undefined) throw new WeftError('WEFT_USAGE', `say which kind, e.g. \`weft get svc\`\n\n${help}`);
  const info = resolveKind(text);
  if (!info) throw new WeftError('WEFT_USAGE', `the server doesn't have a resource type "${text}"; kinds: ${KINDS.map((k) => k.singular).join(', ')}`);
  return info;
}

/** A whole-number flag in 0..max; its default when absent; a usage error naming the flag otherwise. */
export function numberFlag(flag: string, value: string | undefined, dflt: number, max: number, what = `a whole number (0-${max})`): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) throw new WeftError('WEFT_USAGE', `${flag} takes ${what}, got "${value}"`);
  return n;
}

/** A port flag (0 picks a free port where the command says so). */
export function portFlag(flag: string, value: string | undefined, dflt: number): number {
  return numberFlag(flag, value, dflt, 65535, 'a port number (0-65535)');
}
