// `weft proxy` as a user meets it: bad input gets a clear error naming the field, and the
// process exits non-zero without serving anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function weft(args: string[], files: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [MAIN, ...args.map((a) => a.replace('$DIR', dir))], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('an unknown field is refused with its path and the supported names', () => {
  const r = weft(['proxy', '--bootstrap', '$DIR/b.yaml'], {
    'b.yaml': 'static_resources:\n  listeners:\n    - name: l\n      adress: {}\n',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /static_resources\.listeners\[0\]/);
  assert.match(r.stderr, /adress/);
  assert.match(r.stderr, /WEFT_CONFIG_INVALID/);
});

test('a route naming a missing cluster is refused before anything listens', () => {
  const r = weft(['proxy', '--bootstrap', '$DIR/b.yaml'], {
    'b.yaml': `
static_resources:
  listeners:
    - name: l
      address: {socket_address: {address: 127.0.0.1, port_value: 0}}
      filter_chains:
        - filters:
            - name: hcm
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: l
                route_config: {virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: nowhere}}]}]}
                http_filters: [{name: router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
`,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nowhere/);
  assert.match(r.stderr, /routes\[0\]/);
});

test('a missing file and a missing flag are usage errors that say what to do', () => {
  const missing = weft(['proxy', '--bootstrap', '/nonexistent/bootstrap.yaml']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nonexistent\/bootstrap\.yaml/);
  const noFlag = weft(['proxy']);
  assert.equal(noFlag.status, 2);
  assert.match(noFlag.stderr, /--bootstrap FILE or --workload FILE is required/);
  const unknown = weft(['nope']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "nope"/);
  const badFlag = weft(['proxy', '--bootstrapp', 'x']);
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /--bootstrapp/);
});

test('--token-file: a token that does not match the Workload, an unreadable or foreign file, and identity flags without a token are refused before anything runs', () => {
  const claims = (c: object) => `e30.${Buffer.from(JSON.stringify(c)).toString('base64url')}.sig`;
  const files = {
    'w.yaml': 'apiVersion: weft.dev/v1alpha1\nkind: Workload\nmetadata: {name: api-1, namespace: shop}\nspec: {address: 127.0.0.1, serviceAccount: api}\n',
    'web.token': claims({ aud: 'cluster.local', ns: 'shop', sa: 'web' }),
    'junk.token': 'not a token',
    'empty.token': '\n',
  };
  const wrong = weft(['proxy', '--workload', '$DIR/w.yaml', '--token-file', '$DIR/web.token'], files);
  assert.equal(wrong.status, 2, wrong.stderr);
  assert.match(wrong.stderr, /proves namespace 'shop', service account 'web', but the Workload api-1 runs as namespace 'shop', service account 'api': mint a token with `weft token create --namespace shop --service-account api`/);
  const junk = weft(['proxy', '--workload', '$DIR/w.yaml', '--token-file', '$DIR/junk.token'], files);
  assert.match(junk.stderr, /does not hold a Weft workload token/);
  assert.match(weft(['proxy', '--workload', '$DIR/w.yaml', '--token-file', '$DIR/empty.token'], files).stderr, /is empty: write the output of `weft token create` into it/);
  assert.match(weft(['proxy', '--workload', '$DIR/w.yaml', '--token-file', '$DIR/none.token'], files).stderr, /cannot read --token-file .*none\.token: ENOENT/);
  assert.match(weft(['proxy', '--workload', '$DIR/w.yaml', '--identity-tls-address', '127.0.0.1:15012'], files).stderr, /need --token-file/);
  const ok = { ...files, 'api.token': claims({ aud: 'cluster.local', ns: 'shop', sa: 'api' }) };
  assert.match(weft(['proxy', '--workload', '$DIR/w.yaml', '--token-file', '$DIR/api.token', '--identity-tls-address', 'cp'], ok).stderr, /--identity-tls-address takes HOST:PORT/);
});
