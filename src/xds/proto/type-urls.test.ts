import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TYPE_URLS, WEFT_TYPE_URLS } from '../envoy/index.ts';
import { anyFromJson, decodeResponse, encodeResponse, unpackResource } from './index.ts';

type Json = Record<string, unknown>;

// A minimal valid message for every TYPE_URLS entry. Typed by the keys of TYPE_URLS so a type
// added later without a sample fails typecheck, and the loop below covers it at run time anyway.
const SAMPLES: Record<keyof typeof TYPE_URLS, Json> = {
  listener: { name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } },
  routeConfiguration: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'] }] },
  cluster: { name: 'c', type: 'EDS', connect_timeout: '1s' },
  clusterLoadAssignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 1 } } } }] }] },
  httpConnectionManager: { stat_prefix: 'h', rds: { route_config_name: 'r', config_source: { ads: {} } } },
  tcpProxy: { stat_prefix: 't', cluster: 'c' },
  router: {},
  fault: { abort: { http_status: 503, percentage: { numerator: 100, denominator: 'HUNDRED' } } },
  localRateLimit: { stat_prefix: 'rl', token_bucket: { max_tokens: 10, tokens_per_fill: 1, fill_interval: '1s' } },
  rbac: { rules: { action: 'DENY', policies: { p: { permissions: [{ any: true }], principals: [{ any: true }] } } } },
  rbacPerRoute: { rbac: {} },
  filterConfig: { config: { '@type': TYPE_URLS.router }, is_optional: true },
  stdoutAccessLog: {},
  fileAccessLog: { path: '/dev/null' },
  httpProtocolOptions: { explicit_http_config: { http2_protocol_options: {} } },
  roundRobinPolicy: {},
  leastRequestPolicy: { choice_count: 2 },
  randomPolicy: {},
  ringHashPolicy: { minimum_ring_size: '1024' },
  typedStruct: { type_url: WEFT_TYPE_URLS.retryNonIdempotent, value: {} },
  // Not a proto: Weft's peak-EWMA config travels inside an xds.type.v3.TypedStruct (sample built below).
  peakEwma: { decay_time: '10s', default_rtt: '0.030s' },
  secret: { name: 's', validation_context: { trusted_ca: { inline_string: 'pem' } } },
  downstreamTlsContext: { common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 's', sds_config: { ads: {} } }] }, require_client_certificate: true },
  upstreamTlsContext: { common_tls_context: {}, sni: 'example.com' },
  spiffeCertValidator: { trust_domains: [{ name: 'cluster.local', trust_bundle: { inline_string: 'pem' } }] },
  tlsInspector: {},
  previousHostsPredicate: {},
};

/** Weft's own extensions: the `type_url` inside a TypedStruct, not a message of their own. */
const TYPED_STRUCT_PAYLOADS: ReadonlySet<string> = new Set([TYPE_URLS.peakEwma, ...Object.values(WEFT_TYPE_URLS)]);

/** Pack as Any, carry it in a DiscoveryResponse's bytes, and read it the way the proxy's ADS client does. */
function throughAds(json: Json): Json {
  const any = anyFromJson(json) as { type_url: string; value: Uint8Array };
  const bytes = encodeResponse({ version_info: '1', type_url: any.type_url, resources: [{ type_url: any.type_url, value: any.value }] });
  const r = decodeResponse(bytes);
  assert.equal(r.resources.length, 1);
  return { '@type': r.resources[0]!.type_url, ...unpackResource(r.resources[0]!) };
}

test('every TYPE_URLS message (and every Weft TypedStruct payload) round-trips through Any the way ADS carries it', () => {
  const urls: [string, string][] = [...Object.entries(TYPE_URLS), ...Object.entries(WEFT_TYPE_URLS)];
  for (const [key, url] of urls) {
    const sample = (SAMPLES as Record<string, Json>)[key] ?? {};
    const json = TYPED_STRUCT_PAYLOADS.has(url)
      ? { '@type': TYPE_URLS.typedStruct, type_url: url, value: sample }
      : { '@type': url, ...sample };
    let back: Json;
    try {
      back = throughAds(json);
    } catch (e) {
      assert.fail(`${key} (${url}): ${(e as Error).message}`);
    }
    assert.deepEqual(back, json, key);
  }
});
