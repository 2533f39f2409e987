// The control-plane section of `weft check`: its REST API answers, and runs the CLI's version.
import { ok, problem, type CheckResult } from './result.ts';

const API = { id: 'control-plane.api', description: 'the control plane\'s REST API answers' } as const;

/** `error`: why reaching it failed, undefined when /healthz answered. */
export function checkApiReachable(server: string, error: string | undefined): CheckResult {
  if (error !== undefined) return problem('failure', API, error, 'start `weft control-plane` (or `weft up`), or point the CLI at it with --server URL or WEFT_SERVER');
  return ok(API, `at ${server}`);
}

const VERSION = { id: 'control-plane.version', description: 'the control plane runs the CLI\'s version' } as const;

/** `server`: the version GET /version reported, undefined when it has no such endpoint. */
export function checkVersion(cli: string, server: string | undefined): CheckResult {
  if (server === undefined) return problem('warning', VERSION, `the control plane does not report its version (it predates weft ${cli}'s GET /version)`, 'run the same weft version for the CLI and the control plane');
  if (server !== cli) return problem('warning', VERSION, `the control plane runs weft ${server}, this CLI is weft ${cli}`, 'run the same weft version for the CLI and the control plane: a CLI newer than the control plane may send what it does not know');
  return ok(VERSION, `weft ${server}`);
}
