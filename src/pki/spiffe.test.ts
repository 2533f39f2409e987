import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpiffeId, parseTrustDomain, parseWorkloadId, spiffeIdProblem, trustDomainOf, workloadId, workloadIdProblem } from './spiffe.ts';

test('valid SPIFFE IDs parse', () => {
  for (const id of [
    'spiffe://cluster.local/ns/default/sa/web',
    'spiffe://example.org',
    'spiffe://a_b-c.d/x/Y.z/1-2_3',
    `spiffe://td/${'a'.repeat(2048 - 'spiffe://td/'.length)}`,
  ]) {
    assert.equal(spiffeIdProblem(id), undefined, id);
    assert.equal(parseSpiffeId(id), id);
  }
});

test('invalid SPIFFE IDs are refused with the reason', () => {
  const cases: ReadonlyArray<readonly [string, RegExp]> = [
    ['http://cluster.local/ns/a/sa/b', /starts with "spiffe:\/\/"/],
    ['SPIFFE://cluster.local/ns/a/sa/b', /lowercase/],
    ['spiffe://', /empty/],
    ['spiffe:///ns/a', /empty/],
    ['spiffe://Cluster.local/ns/a', /lowercase/],
    ['spiffe://cluster.local:8080/ns/a', /port or userinfo/],
    ['spiffe://user@cluster.local/ns/a', /port or userinfo/],
    ['spiffe://clu ster/ns/a', /only lowercase letters/],
    ['spiffe://cluster.local/ns/a?x=1', /query or fragment/],
    ['spiffe://cluster.local/ns/a#frag', /query or fragment/],
    ['spiffe://cluster.local/', /empty segment/],
    ['spiffe://cluster.local/ns//sa/b', /empty segment/],
    ['spiffe://cluster.local/ns/a/sa/b/', /empty segment/],
    ['spiffe://cluster.local/ns/../sa/b', /relative segment "\.\."/],
    ['spiffe://cluster.local/./b', /relative segment "\."/],
    ['spiffe://cluster.local/ns/a%20b', /percent-encoded/],
    ['spiffe://cluster.local/ns/a:b', /characters other than/],
    [`spiffe://td/${'a'.repeat(2049 - 'spiffe://td/'.length)}`, /at most 2048 bytes/],
    [`spiffe://${'a'.repeat(256)}/x`, /longer than 255 bytes/],
  ];
  for (const [id, reason] of cases) {
    assert.match(spiffeIdProblem(id) ?? 'accepted', reason, id);
    assert.throws(() => parseSpiffeId(id, 'spec.id'), (err: any) => err.code === 'WEFT_CONFIG_INVALID' && err.message.startsWith('spec.id: '), id);
  }
});

test('workload IDs have exactly /ns/<ns>/sa/<sa>', () => {
  const w = parseWorkloadId('spiffe://cluster.local/ns/shop/sa/cart');
  assert.deepEqual(w, { id: 'spiffe://cluster.local/ns/shop/sa/cart', trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' });
  assert.equal(trustDomainOf(w.id), 'cluster.local');
  for (const id of ['spiffe://td', 'spiffe://td/ns/a', 'spiffe://td/ns/a/sa', 'spiffe://td/ns/a/sa/b/c', 'spiffe://td/sa/a/ns/b', 'spiffe://td/ns/a/xx/b']) {
    assert.match(workloadIdProblem(id) ?? 'accepted', /\/ns\/<namespace>\/sa\/<service-account>/, id);
  }
});

test('workloadId formats and validates each part', () => {
  assert.equal(workloadId('cluster.local', 'default', 'web').id, 'spiffe://cluster.local/ns/default/sa/web');
  assert.throws(() => workloadId('Bad', 'a', 'b'), /trust domain/);
  assert.throws(() => workloadId('td', 'a/b', 'c'), /namespace "a\/b"/);
  assert.throws(() => workloadId('td', 'a', ''), /service account ""/);
  assert.throws(() => parseTrustDomain('td:1', 'meshConfig.trustDomain'), /meshConfig.trustDomain: "td:1" is not a valid trust domain/);
});
