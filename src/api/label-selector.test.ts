import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector, matchesLabels } from './label-selector.ts';

test('label selectors match as kubectl -l does', () => {
  const labels = { app: 'web', env: 'prod', 'example.com/team': 'a' };
  const yes = ['app=web', 'app==web', 'env!=dev', 'env in (prod, staging)', 'env notin (dev)', 'app', '!canary', 'app=web,env=prod', 'example.com/team=a', 'missing!=x'];
  const no = ['app=api', 'env!=prod', 'env in (dev)', 'env notin (prod)', 'canary', '!app', 'app=web,env=dev'];
  for (const s of yes) assert.equal(matchesLabels(parseLabelSelector(s), labels), true, s);
  for (const s of no) assert.equal(matchesLabels(parseLabelSelector(s), labels), false, s);
  assert.deepEqual(parseLabelSelector(''), []);
});

test('malformed selectors say which term is wrong', () => {
  assert.throws(() => parseLabelSelector('app=web,bad key=x'), /cannot parse "bad key=x"/);
  assert.throws(() => parseLabelSelector('app=-x-'), /"-x-" in "app=-x-" is not a valid label value/);
  assert.throws(() => parseLabelSelector('-app'), /"-app" in "-app" is not a valid label key/);
});
