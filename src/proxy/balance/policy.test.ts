// Cluster balancing config through the real bootstrap loader: which LbPolicy each Envoy spelling
// yields (the default included), and the clear refusals for what Weft does not do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBootstrap } from '../bootstrap/index.ts';
import { ConfigError, formatPath, TYPE_URLS } from '../../xds/envoy/index.ts';
import { lbPolicyOf } from './policy.ts';

function bootstrapWith(extra: Record<string, unknown>): string {
  return JSON.stringify({
    static_resources: {
      clusters: [{
        name: 'c',
        load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 80 } } } }] }] },
        ...extra,
      }],
    },
  });
}

const policyOf = (extra: Record<string, unknown>) => lbPolicyOf(loadBootstrap(bootstrapWith(extra), 'test.json').static_resources!.clusters![0]);

function refusal(extra: Record<string, unknown>): { code: string; path: string; message: string } {
  try {
    loadBootstrap(bootstrapWith(extra), 'test.json');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return { code: e.issues[0].code, path: formatPath(e.issues[0].path), message: e.issues[0].message };
  }
  assert.fail('loaded');
}

const typed = (config: Record<string, unknown>) => ({ load_balancing_policy: { policies: [{ typed_extension_config: { name: 'p', typed_config: config } }] } });
const PEAK_EWMA = (value?: Record<string, unknown>) => typed({ '@type': TYPE_URLS.typedStruct, type_url: TYPE_URLS.peakEwma, ...(value ? { value } : {}) });

test('neither lb_policy nor load_balancing_policy: Weft’s default, peak-EWMA (10 s decay, 30 ms default RTT)', () => {
  assert.deepEqual(policyOf({}), { kind: 'peak_ewma', decayMs: 10_000, defaultRttMs: 30 });
});

test('legacy lb_policy values and their lb configs', () => {
  assert.deepEqual(policyOf({ lb_policy: 'ROUND_ROBIN' }), { kind: 'round_robin' });
  assert.deepEqual(policyOf({ lb_policy: 'RANDOM' }), { kind: 'random' });
  assert.deepEqual(policyOf({ lb_policy: 'LEAST_REQUEST' }), { kind: 'least_request', choiceCount: 2, activeRequestBias: 1 });
  assert.deepEqual(
    policyOf({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 3, active_request_bias: { default_value: 0.5, runtime_key: 'x' } } }),
    { kind: 'least_request', choiceCount: 3, activeRequestBias: 0.5 },
  );
  assert.deepEqual(policyOf({ lb_policy: 'RING_HASH' }), { kind: 'ring_hash', minimumRingSize: 1024, maximumRingSize: 8388608 });
  assert.deepEqual(
    policyOf({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 64, maximum_ring_size: '4096', hash_function: 'XX_HASH' } }),
    { kind: 'ring_hash', minimumRingSize: 64, maximumRingSize: 4096 },
  );
});

test('load_balancing_policy: Envoy’s typed policies and Weft’s PeakEwma TypedStruct', () => {
  const url = (name: string) => `type.googleapis.com/envoy.extensions.load_balancing_policies.${name}`;
  assert.deepEqual(policyOf(typed({ '@type': url('round_robin.v3.RoundRobin') })), { kind: 'round_robin' });
  assert.deepEqual(policyOf(typed({ '@type': url('random.v3.Random') })), { kind: 'random' });
  assert.deepEqual(policyOf(typed({ '@type': url('least_request.v3.LeastRequest'), choice_count: 5 })), { kind: 'least_request', choiceCount: 5, activeRequestBias: 1 });
  assert.deepEqual(policyOf(typed({ '@type': url('ring_hash.v3.RingHash'), minimum_ring_size: 10 })), { kind: 'ring_hash', minimumRingSize: 10, maximumRingSize: 8388608 });
  assert.deepEqual(policyOf(PEAK_EWMA()), { kind: 'peak_ewma', decayMs: 10_000, defaultRttMs: 30 });
  assert.deepEqual(policyOf(PEAK_EWMA({ decay_time: '2s', default_rtt: '0.1s' })), { kind: 'peak_ewma', decayMs: 2000, defaultRttMs: 100 });
  // The first policy is used; the next may be what Envoy, which lacks PeakEwma, would fall back to.
  const both = { load_balancing_policy: { policies: [
    PEAK_EWMA().load_balancing_policy.policies[0],
    { typed_extension_config: { name: 'lr', typed_config: { '@type': url('least_request.v3.LeastRequest') } } },
  ] } };
  assert.equal(policyOf(both).kind, 'peak_ewma');
});

test('refusals name the field and say what to do', () => {
  assert.deepEqual(refusal({ lb_policy: 'MAGLEV' }), {
    code: 'WEFT_CONFIG_UNSUPPORTED', path: 'static_resources.clusters[0].lb_policy',
    message: 'Weft does not support lb_policy MAGLEV yet (supported: ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM)',
  });
  assert.match(refusal({ lb_policy: 'ROUND_ROBIN', ring_hash_lb_config: { minimum_ring_size: 10 } }).message, /ring_hash_lb_config configures lb_policy RING_HASH, but the cluster's lb_policy is ROUND_ROBIN/);
  assert.match(refusal({ ring_hash_lb_config: {} }).message, /lb_policy is not set/);
  assert.match(refusal({ lb_policy: 'RING_HASH', ...PEAK_EWMA() }).message, /set lb_policy or load_balancing_policy, not both/);
  assert.match(refusal({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 100, maximum_ring_size: 10 } }).message, /minimum_ring_size \(100\) is larger than maximum_ring_size \(10\)/);
  assert.match(refusal({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 9_000_000 } }).message, /between 1 and 8388608/);
  assert.match(refusal({ lb_policy: 'RING_HASH', ring_hash_lb_config: { hash_function: 'MURMUR_HASH_2' } }).message, /hash_function MURMUR_HASH_2/);
  assert.match(refusal({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 1 } }).message, /between 2 and/);
  assert.equal(refusal({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { slow_start_config: { slow_start_window: '1s' } } }).code, 'WEFT_CONFIG_UNSUPPORTED');
  assert.equal(refusal({ round_robin_lb_config: { slow_start_config: { slow_start_window: '1s' } } }).code, 'WEFT_CONFIG_UNSUPPORTED');
  const wrongUrl = refusal(typed({ '@type': TYPE_URLS.typedStruct, type_url: 'type.googleapis.com/weft.balance.v1.Nope' }));
  assert.equal(wrongUrl.path, 'static_resources.clusters[0].load_balancing_policy.policies[0].typed_extension_config.typed_config.type_url');
  assert.match(refusal(PEAK_EWMA({ decay: '1s' })).message, /unknown field 'decay' \(supported: decay_time, default_rtt\)/);
  assert.match(refusal(PEAK_EWMA({ decay_time: '0s' })).message, /greater than 0s/);
  assert.equal(refusal(typed({ '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.maglev.v3.Maglev' })).code, 'WEFT_CONFIG_UNSUPPORTED');
  assert.match(refusal({ load_balancing_policy: { policies: [] } }).message, /at least 1 item/);
});
