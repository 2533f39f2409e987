import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkApiReachable, checkVersion } from './control-plane-checks.ts';

test('control plane: unreachable fails with the reason, reachable passes; a version mismatch or no version is a warning', () => {
  const down = checkApiReachable('http://127.0.0.1:1', 'cannot reach the control plane at http://127.0.0.1:1 (ECONNREFUSED)');
  assert.equal(down.status, 'failure');
  assert.match(down.message, /ECONNREFUSED/);
  assert.match(down.hint ?? '', /--server URL or WEFT_SERVER/);
  assert.equal(checkApiReachable('http://127.0.0.1:15080', undefined).status, 'ok');
  assert.equal(checkVersion('0.1.0', '0.1.0').status, 'ok');
  const other = checkVersion('0.2.0', '0.1.0');
  assert.equal(other.status, 'warning');
  assert.equal(other.message, 'the control plane runs weft 0.1.0, this CLI is weft 0.2.0');
  assert.equal(checkVersion('0.2.0', undefined).status, 'warning');
});
