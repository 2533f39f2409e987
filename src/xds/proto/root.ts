// The Envoy v3 protos, loaded once at run time with protobufjs from the copy that ships in
// @grpc/grpc-js-xds (the only npm source of them; grpc-js-xds loads them the same way).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';
import { WeftError } from '../../core/errors.ts';

const require = createRequire(import.meta.url);

/** The files whose messages Weft reads or serves; their imports are loaded with them. */
const FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'xds/type/v3/typed_struct.proto',
  // HTTP filters and per-route filter configs the control plane serves (src/control/translate).
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/config/route/v3/route_components.proto',
  // Typed configs the proxy accepts in static config, so ADS must decode them too
  // (src/xds/proto/type-urls.test.ts checks every TYPE_URLS entry).
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls_spiffe_validator_config.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/random/v3/random.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
] as const;

let root: protobuf.Root | null = null;

function protoDirs(): string[] {
  const pkg = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(pkg, 'deps', d));
}

/** The shared Root holding every loaded Envoy message (about 60 ms the first time). */
export function envoyRoot(): protobuf.Root {
  if (root !== null) return root;
  // Envoy's annotations extend descriptor.proto's options; protobufjs ships it as JSON.
  const descriptor = require('protobufjs/google/protobuf/descriptor.json') as { nested: { google: { nested: { protobuf: { nested: protobuf.INamespace['nested'] } } } } };
  protobuf.common('descriptor', descriptor.nested.google.nested.protobuf.nested!);
  const dirs = protoDirs();
  const r = new protobuf.Root();
  r.resolvePath = (_origin: string, target: string): string | null => {
    if (isAbsolute(target)) return target;
    for (const d of dirs) {
      const p = join(d, target);
      if (existsSync(p)) return p;
    }
    return null; // a well-known type protobufjs has built in (google/protobuf/*.proto)
  };
  try {
    r.loadSync([...FILES], { keepCase: true });
    r.resolveAll();
  } catch (err) {
    throw new WeftError('WEFT_INTERNAL', `cannot load the Envoy protos from @grpc/grpc-js-xds: ${(err as Error).message}; reinstall with npm ci`, { cause: err });
  }
  root = r;
  return r;
}

/** A message type by full name (`envoy.config.cluster.v3.Cluster`), or null when not loaded. */
export function findType(fullName: string): protobuf.Type | null {
  try {
    return envoyRoot().lookupType(fullName);
  } catch {
    return null;
  }
}

/** A message type that must exist (a name Weft itself uses). */
export function messageType(fullName: string): protobuf.Type {
  const t = findType(fullName);
  if (t === null) throw new WeftError('WEFT_INTERNAL', `proto message ${fullName} is not loaded`);
  return t;
}
