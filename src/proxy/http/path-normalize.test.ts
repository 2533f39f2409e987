import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePath, pathNormalizer, removeDotSegments, type EscapedSlashesAction, type PathNormalization } from './path-normalize.ts';

const opts = (escapedSlashes: EscapedSlashesAction = 'KEEP_UNCHANGED', mergeSlashes = false, normalize = true): PathNormalization =>
  ({ normalizePath: normalize, mergeSlashes, escapedSlashes });

const out = (target: string, n: PathNormalization = opts()): string => {
  const r = normalizePath(target, n);
  return typeof r === 'string' ? r : r.kind === 'redirect' ? `redirect ${r.location}` : 'reject';
};

test('RFC 3986 §5.2.4 examples (absolute paths)', () => {
  assert.equal(removeDotSegments('/a/b/c/./../../g'), '/a/g');
  assert.equal(removeDotSegments('/mid/content=5/../6'), '/mid/6');
  assert.equal(removeDotSegments('/..'), '/');
  assert.equal(removeDotSegments('/a/..'), '/');
  assert.equal(removeDotSegments('/a/.'), '/a/');
  assert.equal(removeDotSegments('/a/../../../b'), '/b');
  assert.equal(removeDotSegments('/a/..b/.c'), '/a/..b/.c');
});

test('normalize_path: unreserved escapes decoded, other hex upper-cased, %2e%2e is a dot segment, backslash a separator; the query is untouched', () => {
  assert.equal(out('/%70ublic/%7Euser'), '/public/~user');
  assert.equal(out('/a%3fb%2a'), '/a%3Fb%2A');
  assert.equal(out('/public/%2e%2e/admin'), '/admin');
  assert.equal(out('/public/.%2E/admin'), '/admin');
  assert.equal(out('/public\\..\\admin'), '/admin');
  assert.equal(out('/a/../b?x=/../y&%2e'), '/b?x=/../y&%2e');
  assert.equal(out('/caf%C3%A9'), '/caf%C3%A9');
  assert.equal(out('/a//b'), '/a//b');
});

test('refused: malformed escapes, %00, invalid or overlong UTF-8, fragments, control and non-ASCII characters', () => {
  for (const bad of ['/a%2', '/a%zz', '/a%00b', '/%c0%ae%c0%ae/admin', '/%e0%80%ae', '/%ed%a0%80', '/%ff', '/%C3', '/public#/../admin', '/a\tb', '/é']) {
    assert.equal(out(bad), 'reject', bad);
  }
});

test('merge_slashes collapses runs of slashes, after dot segments are removed', () => {
  assert.equal(out('//public///a', opts('KEEP_UNCHANGED', true)), '/public/a');
  assert.equal(out('/public//..//admin', opts('KEEP_UNCHANGED', true)), '/public/admin');
  assert.equal(out('/a//b', opts('KEEP_UNCHANGED', true, false)), '/a/b');
});

test('path_with_escaped_slashes_action: keep, reject, forward unescaped, redirect', () => {
  assert.equal(out('/public/..%2Fadmin'), '/public/..%2Fadmin');
  assert.equal(out('/public/..%2Fadmin', opts('IMPLEMENTATION_SPECIFIC_DEFAULT')), '/public/..%2Fadmin');
  assert.equal(out('/public/..%2fadmin', opts('REJECT_REQUEST')), 'reject');
  assert.equal(out('/public/..%5Cadmin', opts('REJECT_REQUEST')), 'reject');
  assert.equal(out('/public/..%2Fadmin', opts('UNESCAPE_AND_FORWARD')), '/admin');
  assert.equal(out('/public/..%5cadmin', opts('UNESCAPE_AND_FORWARD')), '/admin');
  assert.equal(out('/a%2F%2Fb', opts('UNESCAPE_AND_FORWARD', true)), '/a/b');
  assert.equal(out('/a%2Fb?q', opts('UNESCAPE_AND_REDIRECT')), 'redirect /a/b?q');
  assert.equal(out('/a/b', opts('UNESCAPE_AND_REDIRECT')), '/a/b');
  assert.equal(out('/a%2', opts('REJECT_REQUEST', false, false)), '/a%2'); // only normalize_path checks escapes
});

test('no option set: no normalizer at all (requests pay nothing)', () => {
  assert.equal(pathNormalizer(opts('KEEP_UNCHANGED', false, false)), null);
  assert.equal(pathNormalizer(opts('IMPLEMENTATION_SPECIFIC_DEFAULT', false, false)), null);
  assert.notEqual(pathNormalizer(opts('REJECT_REQUEST', false, false)), null);
  assert.notEqual(pathNormalizer(opts('KEEP_UNCHANGED', true, false)), null);
});
