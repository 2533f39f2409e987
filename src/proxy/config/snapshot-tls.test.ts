// Rebuilding a snapshot keeps mesh mTLS clusters warm: a cluster whose TLS contexts are on the
// identity agent's secrets only is the same object after an unrelated update, and an EDS change
// keeps the endpoints present in both (their pools). transport_socket_matches pick each
// endpoint's transport; auto_config speaks HTTP/2 over TLS, HTTP/1.1 in plaintext.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster as ClusterSchema, ClusterLoadAssignment as ClaSchema, decode, Issues, type Cluster, type ClusterLoadAssignment } from '../../xds/envoy/index.ts';
import { ProxyMetrics } from '../observe/metrics.ts';
import { AgentSecrets } from '../tls/agent-secrets.ts';
import { buildSnapshot, type ConfigResources } from './snapshot.ts';

const AGENT = { api_config_source: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } };

function checked<T>(schema: Parameters<typeof decode>[0], value: unknown): T {
  const issues = new Issues();
  const out = decode(schema, value, [], issues) as T;
  assert.deepEqual(issues.list, []);
  return out;
}

const cluster = (sans: string[]): Cluster => checked(ClusterSchema, {
  name: 'outbound|80||b', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } },
  typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', auto_config: { http_protocol_options: {}, http2_protocol_options: {} },
  } },
  transport_socket_matches: [{ name: 'weft-mtls', match: { tlsMode: 'weft' }, transport_socket: { name: 'tls', typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    common_tls_context: {
      tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: AGENT }],
      combined_validation_context: {
        default_validation_context: { match_typed_subject_alt_names: sans.map((exact) => ({ san_type: 'URI', matcher: { exact } })) },
        validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: AGENT },
      },
    },
  } } }],
});

const B = 'spiffe://cluster.local/ns/default/sa/b';
const endpoint = (ip: string, mtls: boolean) => ({
  endpoint: { address: { socket_address: { address: ip, port_value: 15006 } } },
  ...(mtls ? { metadata: { filter_metadata: { 'envoy.transport_socket_match': { tlsMode: 'weft' }, 'weft.dev': { identity: B } } } } : {}),
});
const assignment = (eps: ReturnType<typeof endpoint>[]): ClusterLoadAssignment => checked(ClaSchema, { cluster_name: 'outbound|80||b', endpoints: [{ lb_endpoints: eps }] });

const resources = (c: Cluster, cla: ClusterLoadAssignment): ConfigResources => ({ listeners: [], clusters: [c], routes: new Map(), endpoints: new Map([[cla.cluster_name, cla]]), secrets: [] });

test('mesh mTLS clusters: per-endpoint transport and identity; kept across updates with their contexts; a SAN change rebuilds', () => {
  const metrics = new ProxyMetrics({ workload: 'a', namespace: 'default' });
  const agent = new AgentSecrets();
  const first = buildSnapshot(resources(cluster([B]), assignment([endpoint('10.0.0.1', true), endpoint('10.0.0.2', false)])), metrics, { configDump: {}, agent });
  const c1 = first.clusters.get('outbound|80||b')!;
  assert.deepEqual(c1.spec.endpoints.map((e) => [e.host, e.transport ?? null, e.identity ?? null]), [['10.0.0.1', 0, [B]], ['10.0.0.2', null, null]]);
  assert.deepEqual([c1.spec.protocol, c1.spec.tls, c1.spec.matchedTransports[0].protocol], ['http1', null, 'http2']);
  assert.equal(first.lastingTls.size, 1);

  // The same config again (another resource changed): the same cluster object, the same context.
  const second = buildSnapshot(resources(cluster([B]), assignment([endpoint('10.0.0.1', true), endpoint('10.0.0.2', false)])), metrics, { configDump: {}, previous: first });
  assert.equal(second.clusters.get('outbound|80||b'), c1);
  assert.equal([...second.lastingTls.values()][0], [...first.lastingTls.values()][0]);
  assert.equal(second.secrets.agent, agent, 'the agent is handed on with the snapshots');

  // New endpoints: a new cluster, but it takes over the endpoint present in both.
  c1.activate();
  const third = buildSnapshot(resources(cluster([B]), assignment([endpoint('10.0.0.1', true), endpoint('10.0.0.3', true)])), metrics, { configDump: {}, previous: second });
  const c3 = third.clusters.get('outbound|80||b')!;
  assert.notEqual(c3, c1);
  c3.activate();
  assert.equal(c3.endpoints.find((e) => e.host === '10.0.0.1'), c1.endpoints.find((e) => e.host === '10.0.0.1'), 'the warm endpoint is carried over');

  // Other SAN matchers: another context, so the cluster is rebuilt.
  const fourth = buildSnapshot(resources(cluster([B, 'spiffe://cluster.local/ns/default/sa/c']), assignment([endpoint('10.0.0.1', true)])), metrics, { configDump: {}, previous: third });
  assert.notEqual([...fourth.lastingTls.values()][0], [...third.lastingTls.values()][0]);
  for (const s of [first, second, third, fourth]) for (const c of s.clusters.values()) c.close();
});

test('bad endpoint identity metadata is refused with its path', () => {
  const metrics = new ProxyMetrics({ workload: 'a', namespace: 'default' });
  const bad = checked<ClusterLoadAssignment>(ClaSchema, {
    cluster_name: 'outbound|80||b',
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 1 } } }, metadata: { filter_metadata: { 'weft.dev': { identity: 'b' } } } }] }],
  });
  assert.throws(() => buildSnapshot(resources(cluster([B]), bad), metrics, { configDump: {}, agent: new AgentSecrets() }),
    /clusters\.outbound\|80\|\|b endpoints\[0\]\.lb_endpoints\[0\]: metadata\.filter_metadata\["weft\.dev"\]\.identity must be a SPIFFE ID/);
});
