import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldPath, resolveKind, validateResource } from '../index.ts';

const ap = (spec: unknown) => ({ apiVersion: 'weft.dev/v1alpha1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'shop' }, spec });

function problemsOf(spec: unknown): string[] {
  const v = validateResource(ap(spec));
  assert.equal(v.ok, false, 'expected the resource to be refused');
  return v.ok ? [] : v.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`);
}

test('a complete policy validates, and action defaults to ALLOW', () => {
  const v = validateResource(ap({
    targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
    rules: [{
      from: [{ source: { principals: ['spiffe://cluster.local/ns/shop/sa/web', 'cluster.local/ns/ops/*'] } }, { source: { namespaces: ['jobs'], notPrincipals: ['*/sa/untrusted'] } }],
      to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/*', '/healthz', '*.css'], ports: [8080] } }],
      when: [{ header: 'x-team', values: ['blue', 'green-*'] }],
    }, { from: [{ source: { unauthenticated: true } }], to: [{ operation: { paths: ['/public/*'] } }] }],
  }));
  assert.ok(v.ok, v.ok ? '' : JSON.stringify(v.issues));
  assert.equal((v.resource.spec as { action: string }).action, 'ALLOW');
});

test('refusals name the field: targets, patterns, contradictions, empty parts', () => {
  const p = problemsOf({
    targetRefs: [{ group: 'apps', kind: 'Deployment', name: 'api' }],
    selector: { matchLabels: { app: 'api' } },
    action: 'MAYBE',
    rules: [{
      from: [{ source: { principals: ['spiffe://a/*/sa/x'], unauthenticated: true } }, { source: {} }],
      to: [{ operation: { paths: ['api', '/a*b'] } }, { operation: {} }],
      when: [{ header: 'x-team' }],
    }],
  }).join('\n');
  assert.match(p, /spec\.action: /);
  // The schema refuses first; fix action and the semantic checks run.
  const q = problemsOf({
    targetRefs: [{ group: 'apps', kind: 'Deployment', name: 'api' }],
    selector: { matchLabels: { app: 'api' } },
    rules: [{
      from: [{ source: { principals: ['spiffe://a/*/sa/x'], unauthenticated: true } }, { source: {} }],
      to: [{ operation: { paths: ['api', '/a*b'] } }, { operation: {} }],
      when: [{ header: 'x-team' }],
    }],
  }).join('\n');
  assert.match(q, /spec\.selector: set targetRefs or selector, not both/);
  assert.match(q, /spec\.targetRefs\[0\]: an AuthorizationPolicy targets a Service/);
  assert.match(q, /spec\.rules\[0\]\.from\[0\]\.source\.principals\[0\]: "spiffe:\/\/a\/\*\/sa\/x": a \* may only/);
  assert.match(q, /spec\.rules\[0\]\.from\[0\]\.source\.unauthenticated: an unauthenticated caller/);
  assert.match(q, /spec\.rules\[0\]\.from\[1\]\.source: set principals/);
  assert.match(q, /spec\.rules\[0\]\.to\[0\]\.operation\.paths\[0\]: "api": a path starts with \//);
  assert.match(q, /spec\.rules\[0\]\.to\[0\]\.operation\.paths\[1\]: "\/a\*b"/);
  assert.match(q, /spec\.rules\[0\]\.to\[1\]\.operation: set methods, paths or ports/);
  assert.match(q, /spec\.rules\[0\]\.when\[0\]: set values or notValues/);
});

test('the CLI names: authorizationpolicies, authz, ap', () => {
  for (const name of ['AuthorizationPolicy', 'authorizationpolicies', 'authz', 'ap', 'authorizationpolicies.weft.dev']) assert.equal(resolveKind(name)?.kind, 'AuthorizationPolicy', name);
});
