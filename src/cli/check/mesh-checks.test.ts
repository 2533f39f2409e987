import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocuments, validateResource, type Resource } from '../../api/index.ts';
import { checkAuthorizationTargets, checkMtlsMode, STRICT_MESH_CONFIG } from './mesh-checks.ts';

const resource = (doc: object): Resource => {
  const v = validateResource(doc);
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return v.resource;
};
const svc = (ns: string, name: string) => resource({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ port: 80 }] } });
const policy = (ns: string, name: string, targets: string[]) => resource({
  apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns },
  spec: { targetRefs: targets.map((t) => ({ group: '', kind: 'Service', name: t })), rules: [{}] },
});

test('mTLS: PERMISSIVE (default or explicit) is a warning whose hint says how to go STRICT; STRICT passes; STRICT without the identity service fails', () => {
  const none = checkMtlsMode(undefined, true);
  assert.equal(none.status, 'warning');
  assert.match(none.message, /^mtls.mode is PERMISSIVE \(the default: no MeshConfig is applied\), so inbound plaintext is still accepted/);
  assert.ok(none.hint?.includes(`echo '${STRICT_MESH_CONFIG}' | weft apply -f -`));
  const explicit = checkMtlsMode({ mtls: { mode: 'PERMISSIVE' } }, true);
  assert.equal(explicit.status, 'warning');
  assert.match(explicit.hint ?? '', /set spec.mtls.mode: STRICT in the MeshConfig "default"/);
  assert.equal(checkMtlsMode({ mtls: {} }, true).status, 'warning', 'mode unset is PERMISSIVE');
  assert.equal(checkMtlsMode({ mtls: { mode: 'STRICT' } }, true).status, 'ok');
  assert.equal(checkMtlsMode({ mtls: { mode: 'STRICT' } }, false).status, 'failure');
});

test('the hint\'s MeshConfig is one valid YAML document that sets STRICT', () => {
  const parsed = parseDocuments(STRICT_MESH_CONFIG, 'hint');
  assert.ok(parsed.ok);
  const r = resource(parsed.documents[0].value as object);
  assert.equal(r.kind, 'MeshConfig');
  assert.equal((r.spec as { mtls: { mode: string } }).mtls.mode, 'STRICT');
});

test('AuthorizationPolicy targets: a Service missing in the policy\'s namespace is a warning naming the field; existing ones pass', () => {
  const services = [svc('shop', 'api'), svc('other', 'web')];
  const good = checkAuthorizationTargets([policy('shop', 'readers', ['api'])], services);
  assert.equal(good.status, 'ok');
  assert.equal(good.message, '1 AuthorizationPolicy, every target exists');
  const bad = checkAuthorizationTargets([policy('shop', 'readers', ['api', 'web']), policy('other', 'x', ['web'])], services);
  assert.equal(bad.status, 'warning');
  assert.deepEqual(bad.details, ['AuthorizationPolicy shop/readers spec.targetRefs[1]: Service shop/web does not exist'], 'web exists in "other" only');
  const selector = resource({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 's', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'x' } } } });
  assert.equal(checkAuthorizationTargets([selector], []).status, 'ok', 'a selector policy has no targetRefs to check');
  assert.equal(checkAuthorizationTargets([], []).message, 'no AuthorizationPolicy applied');
});
