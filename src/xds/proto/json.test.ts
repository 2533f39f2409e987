import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isWeftError } from '../../core/errors.ts';
import { Bootstrap, Cluster, Issues, Listener, TYPE_URLS, decode } from '../envoy/index.ts';
import { anyFromJson, anyToJson, messageType, packResource, unpackResource, decodeRequest, encodeRequest } from './index.ts';

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;

test('every listener and cluster of the examples survives JSON → Any → JSON and decodes to the same value', () => {
  for (const f of ['front-proxy.yaml', 'tcp-proxy.yaml']) {
    const b = decode(Bootstrap, parse(readFileSync(join(EXAMPLES, f), 'utf8')), [], new Issues()) as Bootstrap;
    const pairs: [string, unknown, typeof Cluster | typeof Listener][] = [
      ...(b.static_resources?.clusters ?? []).map((c) => [TYPE_URLS.cluster, c, Cluster] as [string, unknown, typeof Cluster]),
      ...(b.static_resources?.listeners ?? []).map((l) => [TYPE_URLS.listener, l, Listener] as [string, unknown, typeof Listener]),
    ];
    assert.ok(pairs.length >= 2, f);
    for (const [url, resource, schema] of pairs) {
      const json = unpackResource(packResource(url, resource as Record<string, unknown>));
      const issues = new Issues();
      const back = decode(schema, json, [], issues);
      assert.deepEqual(issues.list, [], `${f}: ${JSON.stringify(issues.list)}`);
      assert.deepEqual(back, resource, f);
    }
  }
});

test('proto3 JSON spellings: durations as strings, enums as names, wrappers as plain values, Any with @type, Struct as JSON', () => {
  const cluster = {
    name: 'c', type: 'EDS', connect_timeout: '0.250s', lb_policy: 'ROUND_ROBIN',
    eds_cluster_config: { eds_config: { ads: {} } },
    per_connection_buffer_limit_bytes: 1024,
    metadata: { filter_metadata: { weft: { version: 'v1', weight: 2, tags: ['a', true, null] } } },
    typed_extension_protocol_options: {
      [`envoy.extensions.upstreams.http.v3.HttpProtocolOptions`]: { '@type': TYPE_URLS.httpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } },
    },
  };
  const json = unpackResource(packResource(TYPE_URLS.cluster, cluster));
  assert.deepEqual(json, cluster);
  const wrapped = anyToJson(anyFromJson({ '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.5s' }));
  assert.deepEqual(wrapped, { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1.500s' });
});

test('bad JSON is refused with the field path', () => {
  const attempt = (r: Record<string, unknown>) => {
    try {
      packResource(TYPE_URLS.cluster, r);
    } catch (e) {
      assert.ok(isWeftError(e));
      return e.message;
    }
    assert.fail('packed');
  };
  assert.match(attempt({ name: 'c', bogus: 1 }), /^bogus: unknown field 'bogus' in envoy\.config\.cluster\.v3\.Cluster/);
  assert.match(attempt({ name: 'c', connect_timeout: 'soon' }), /^connect_timeout: 'soon' is not a duration/);
  assert.match(attempt({ name: 'c', type: 'NOPE' }), /^type: expected one of STATIC, STRICT_DNS/);
  assert.match(attempt({ name: 'c', per_connection_buffer_limit_bytes: -1 }), /does not fit a uint32/);
  assert.match(attempt({ name: 'c', typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/no.Such' } } }), /unknown message type/);
  assert.throws(() => anyToJson({ type_url: 'type.googleapis.com/no.Such', value: new Uint8Array() }), /Weft does not know that message/);
});

test('DiscoveryRequest round-trips, node metadata included', () => {
  const r = {
    version_info: '3', node: { id: 'n1', cluster: 'web', metadata: { NAMESPACE: 'shop', n: 1 } },
    resource_names: ['a', 'b'], type_url: TYPE_URLS.cluster, response_nonce: '7',
    error_detail: { code: 3, message: 'bad' },
  };
  assert.deepEqual(decodeRequest(encodeRequest(r)), r);
  assert.equal(messageType('envoy.service.discovery.v3.DiscoveryResponse').name, 'DiscoveryResponse');
});
