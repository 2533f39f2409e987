// `weft token` and `weft identity` as a user meets them: output, files, and clear refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTokens } from '../../src/control/identity/index.ts';
import { openCaDirectory, parseTrustDomain } from '../../src/pki/index.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const TD = parseTrustDomain('cluster.local');

function weft(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function dataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-token-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('token create prints the token alone on stdout and its ID on stderr; the token verifies; revoke revokes it', async (t) => {
  const dir = dataDir(t);
  const r = weft(['token', 'create', '--namespace', 'shop', '--service-account', 'cart', '--ttl', '2h', '--reusable', '--data-dir', dir]);
  assert.equal(r.status, 0, r.stderr);
  const token = r.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const id = /^token (\S+) for spiffe:\/\/cluster.local\/ns\/shop\/sa\/cart, reusable, expires \S+ \(revoke: weft token revoke \1\)$/m.exec(r.stderr)?.[1];
  assert.ok(id, r.stderr);
  assert.equal(statSync(join(dir, 'identity', 'token-key.pem')).mode & 0o777, 0o600);
  const tokens = await openTokens(dir, TD);
  const claims = await tokens.verify(token);
  assert.equal(claims.exp - claims.iat, 7200);
  assert.equal(claims.reusable, true);

  const revoked = weft(['token', 'revoke', id, '--data-dir', dir]);
  assert.equal(revoked.status, 0, revoked.stderr);
  assert.match(revoked.stdout, /revoked/);
  await assert.rejects(tokens.verify(token), /\[revoked\]/);
});

test('token usage errors say what is wrong', (t) => {
  const dir = dataDir(t);
  const cases: [string[], number, RegExp][] = [
    [['token'], 2, /Usage: weft token create/],
    [['token', 'mint'], 2, /unknown subcommand "token mint"; use create or revoke/],
    [['token', 'create', '-n', 'shop'], 2, /--namespace and --service-account are required/],
    [['token', 'create', '-n', 'shop', '-s', 'cart', '--ttl', '1w'], 2, /--ttl takes a duration like 90s, 30m, 1h or 7d, got "1w"/],
    [['token', 'create', '-n', 'shop', '-s', 'cart', '--ttl', '30s'], 1, /WEFT_CONFIG_INVALID: ttl: a token lifetime is between 1 minute and 1 year/],
    [['token', 'create', '-n', 'a/b', '-s', 'cart'], 1, /namespace "a\/b"/],
    [['token', 'create', '-n', 'shop', '-s', 'cart', '--trust-domain', 'Bad.Domain'], 1, /trust domain/i],
    [['token', 'create', '-n', 'shop', '-s', 'cart', '--colour'], 2, /Unknown option '--colour'/],
    [['token', 'revoke'], 2, /takes one token ID/],
    [['token', 'revoke', 'not a jti!'], 2, /is not a token ID/],
  ];
  for (const [args, status, message] of cases) {
    const r = weft([...args, '--data-dir', dir]);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr + r.stdout, message, args.join(' '));
  }
});

test('weft identity: a clear error before the CA exists; anchors, issuer and certificates after', async (t) => {
  const dir = dataDir(t);
  const before = weft(['identity', '--data-dir', dir]);
  assert.equal(before.status, 1);
  assert.match(before.stderr, /WEFT_IO: .*root-cert.pem: no trust anchors here: has the control plane started with this --data-dir/);
  const ca = await openCaDirectory(join(dir, 'ca'), TD);
  const r = weft(['identity', '--data-dir', dir, '-o', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const view = JSON.parse(r.stdout);
  assert.deepEqual(view.trustAnchors, ca.bundle.roots.map((root) => ({
    subject: root.subject.replaceAll('\n', ', '), serial: root.serialNumber, notBefore: root.validFromDate.toISOString(), notAfter: root.validToDate.toISOString(), fingerprint256: root.fingerprint256,
  })));
  assert.equal(view.issuer.chainsToTrustAnchor, true);
  assert.equal(view.issuer.notAfter, ca.issuer.validToDate.toISOString());
  assert.deepEqual(view.workloadCertificates, []);
  const text = weft(['identity', '--data-dir', dir]);
  assert.match(text.stdout, /Workload certificates \(0 valid\):\n  none in the issuance log/);
  assert.ok(!text.stdout.includes('PRIVATE KEY'));
});
