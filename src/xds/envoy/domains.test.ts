import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainKey, parseDomain } from './domains.ts';

test('Envoy domain forms: exact, "*", "*suffix", "prefix*" — lower-cased', () => {
  assert.deepEqual(parseDomain('WWW.Foo.com'), { kind: 'exact', value: 'www.foo.com' });
  assert.deepEqual(parseDomain('*'), { kind: 'any' });
  assert.deepEqual(parseDomain('*.foo.com'), { kind: 'suffix', value: '.foo.com' });
  assert.deepEqual(parseDomain('*-bar.foo.com'), { kind: 'suffix', value: '-bar.foo.com' });
  assert.deepEqual(parseDomain('foo.*'), { kind: 'prefix', value: 'foo.' });
  assert.deepEqual(parseDomain('foo-*'), { kind: 'prefix', value: 'foo-' });
  assert.deepEqual(parseDomain('example.com:8080'), { kind: 'exact', value: 'example.com:8080' });
});

test("'*' elsewhere, several '*', empty and control characters are refused", () => {
  for (const bad of ['foo.*.com', '*.foo.*', '**', 'a*b', '', 'foo\r\n.com']) {
    assert.equal(parseDomain(bad).kind, 'invalid', bad);
  }
});

test('duplicate keys are equal exactly for domains Envoy treats as duplicates', () => {
  const key = (d: string) => {
    const p = parseDomain(d);
    assert.notEqual(p.kind, 'invalid');
    return domainKey(p as Exclude<typeof p, { kind: 'invalid' }>);
  };
  assert.equal(key('Foo.com'), key('foo.COM'));
  assert.notEqual(key('*.foo.com'), key('.foo.com*'));
  assert.notEqual(key('foo*'), key('*foo'));
});
