// The flag checks `weft control-plane`, `weft up` and `weft proxy` share: numbers and ports, and
// the store flags (--data-dir / --in-memory, identity flags that need a data directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberFlag, portFlag } from './args.ts';
import { checkStoreFlags } from './data-dir.ts';

test('number and port flags: the default when absent, the value when whole and in range, else a usage error naming the flag', () => {
  assert.equal(portFlag('--api-port', undefined, 15080), 15080);
  assert.equal(portFlag('--api-port', '0', 15080), 0);
  assert.equal(portFlag('--api-port', '65535', 15080), 65535);
  for (const bad of ['x', '', ' ', '-1', '65536', '1.5']) assert.throws(() => portFlag('--api-port', bad, 1), /--api-port takes a port number \(0-65535\), got/, bad);
  assert.equal(numberFlag('--rps', '1000', 10, 1000), 1000);
  assert.throws(() => numberFlag('--rps', '1001', 10, 1000), /--rps takes a whole number \(0-1000\), got "1001"/);
});

test('store flags: --data-dir with --in-memory, and an identity flag in memory, are refused', () => {
  assert.doesNotThrow(() => checkStoreFlags({ 'data-dir': '/d', 'trust-domain': 'x' }, ['trust-domain']));
  assert.doesNotThrow(() => checkStoreFlags({ 'in-memory': true }, ['trust-domain']));
  assert.throws(() => checkStoreFlags({ 'in-memory': true, 'data-dir': '/d' }, []), /use --data-dir DIR or --in-memory, not both/);
  assert.throws(() => checkStoreFlags({ 'in-memory': true, 'identity-tls-port': '0' }, ['identity-tls-port']), /--identity-tls-port configures the identity service, which is off with --in-memory/);
});
