// REST routes of the mesh CA's rotation: GET /weft/v1/ca (status) and POST /weft/v1/ca/rotate/{prepare,activate,finish} — what `weft ca` calls.
import type { IncomingMessage } from 'node:http';
import { isWeftError, WeftError } from '../../core/errors.ts';

export type CaStep = 'prepare' | 'activate' | 'finish';

/** What the identity service offers the API (control/identity's CaAdmin). */
export interface CaRotationApi {
  status(): unknown;
  rotate(step: CaStep, options: { readonly caFiles?: { readonly certFile: string; readonly keyFile: string; readonly rootsFile?: string }; readonly force?: boolean }): Promise<unknown>;
}

export const CA_PATH = '/weft/v1/ca';
const STEPS: readonly string[] = ['prepare', 'activate', 'finish'];
const MAX_BODY = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > MAX_BODY) throw new WeftError('WEFT_USAGE', `the request body is larger than ${MAX_BODY} bytes`);
  }
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new WeftError('WEFT_USAGE', 'the request body is not JSON; send {"caCert":…, "caKey":…, "caRoots":…, "force":…} or nothing');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new WeftError('WEFT_USAGE', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '' || !v.startsWith('/')) throw new WeftError('WEFT_USAGE', `${field} must be an absolute path on the control plane's host, got ${JSON.stringify(v)}`);
  return v;
}

/** Answers a request under /weft/v1/ca; throws WeftError (mapped to a Status) for refusals. */
export async function caRoute(req: IncomingMessage, pathname: string, ca: CaRotationApi | undefined): Promise<unknown> {
  const method = req.method ?? 'GET';
  if (ca === undefined) throw new WeftError('WEFT_NOT_FOUND', 'this control plane runs no identity service (it is off with --in-memory), so it has no CA to rotate');
  if (pathname === CA_PATH) {
    if (method !== 'GET') throw new WeftError('WEFT_USAGE', `${method} is not allowed on ${CA_PATH} (allowed: GET)`);
    return ca.status();
  }
  const step = pathname.slice(`${CA_PATH}/rotate/`.length);
  if (!pathname.startsWith(`${CA_PATH}/rotate/`) || !STEPS.includes(step)) {
    throw new WeftError('WEFT_NOT_FOUND', `no such path ${pathname}; the CA is at GET ${CA_PATH} and POST ${CA_PATH}/rotate/{${STEPS.join(',')}}`);
  }
  if (method !== 'POST') throw new WeftError('WEFT_USAGE', `${method} is not allowed on ${pathname} (allowed: POST)`);
  const body = await readJson(req);
  const unknown = Object.keys(body).filter((k) => !['caCert', 'caKey', 'caRoots', 'force'].includes(k));
  if (unknown.length > 0) throw new WeftError('WEFT_USAGE', `unknown field "${unknown[0]}" (known: caCert, caKey, caRoots, force)`);
  const certFile = optionalString(body, 'caCert');
  const keyFile = optionalString(body, 'caKey');
  const rootsFile = optionalString(body, 'caRoots');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new WeftError('WEFT_USAGE', 'a brought CA needs both caCert and caKey');
  if (rootsFile !== undefined && certFile === undefined) throw new WeftError('WEFT_USAGE', 'caRoots goes with caCert and caKey');
  if (body.force !== undefined && typeof body.force !== 'boolean') throw new WeftError('WEFT_USAGE', 'force must be true or false');
  try {
    return await ca.rotate(step as CaStep, { caFiles: certFile ? { certFile, keyFile: keyFile!, rootsFile } : undefined, force: body.force === true });
  } catch (err) {
    // An unreadable brought file is the caller's input, not a server fault.
    if (isWeftError(err) && err.code === 'WEFT_IO' && certFile !== undefined) throw new WeftError('WEFT_CONFIG_INVALID', `${err.message} (${err.path ?? certFile}, read by the control plane)`, { path: err.path });
    throw err;
  }
}
