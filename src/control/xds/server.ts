// The ADS gRPC server: one AdsStream per connected proxy, fed from the snapshot cache. Serves
// StreamAggregatedResources (state of the world); DeltaAggregatedResources is refused.
import * as grpc from '@grpc/grpc-js';
import { WeftError } from '../../core/errors.ts';
import { ADS_SERVICE, decodeRequest, type DiscoveryRequest } from '../../xds/proto/index.ts';
import { ResponseEncoder } from './encoder.ts';
import { ANY_NODE, type SnapshotCache } from './cache.ts';
import { AdsStream, type Nack, type StreamEvent, type TypeStatus } from './stream.ts';

export const DEFAULT_XDS_PORT = 15010;

export interface AdsServerOptions {
  readonly cache: SnapshotCache;
  readonly host?: string;
  /** 0 picks a free port (tests); default 15010. */
  readonly port?: number;
  readonly debounceMs?: number;
  readonly ackTimeoutMs?: number;
  /** One line per notable event (NACKs, connects); default: stderr. */
  readonly log?: (line: string) => void;
  /**
   * Told when a stream's node first identifies itself (before its first request is answered, so
   * a per-node snapshot set here is what it gets) and when that stream ends.
   */
  readonly onNode?: (event: 'connected' | 'disconnected', nodeId: string, node: Readonly<Record<string, unknown>>) => void;
  /** Extra grpc-js server options (merged over Weft's keepalive defaults). */
  readonly grpcOptions?: grpc.ServerOptions;
  /**
   * Called with the server after the ADS service is added and before the xDS port binds: to add
   * other services on the same port (the identity service) and bind more ports (15012). A
   * rejection stops the start.
   */
  readonly configure?: (server: grpc.Server) => Promise<void> | void;
}

export interface ConnectedProxy {
  readonly nodeId: string;
  readonly node: Readonly<Record<string, unknown>> | null;
  readonly peer: string;
  readonly connectedAt: Date;
  readonly types: readonly TypeStatus[];
}

export interface AdsServer {
  readonly port: number;
  /** The latest unresolved NACK of each connected proxy and type, oldest first. */
  nacks(): Nack[];
  proxies(): ConnectedProxy[];
  /** Stops accepting, ends every stream, and resolves once the server is down. */
  close(): Promise<void>;
}

/**
 * Keepalive and connection-age settings (ecosystem.md, "xDS transport pitfalls"): proxies ping
 * idle connections, which grpc-js answers with GOAWAY too_many_pings unless permitted; a
 * maximum connection age makes proxies reconnect and so spread over control-plane replicas.
 */
const SERVER_DEFAULTS: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.max_connection_age_ms': 30 * 60_000,
  'grpc.max_connection_age_grace_ms': 60_000,
};

interface Entry {
  readonly stream: AdsStream;
  readonly peer: string;
  readonly connectedAt: Date;
}

function describeEvent(e: StreamEvent): string | null {
  switch (e.kind) {
    case 'nack':
      return `NACK from node '${e.nack.nodeId}' for ${e.nack.typeUrl} version ${e.nack.rejectedVersion} (it keeps version ${e.nack.keptVersion || 'none'}): ${e.nack.message}`;
    case 'ignored':
      return e.reason.startsWith('stale') ? null : `ignored a request from node '${e.nodeId}' for ${e.typeUrl}: ${e.reason}`;
    default:
      return null;
  }
}

export async function startAdsServer(options: AdsServerOptions): Promise<AdsServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`weft control-plane: xds: ${line}\n`));
  const entries = new Set<Entry>();
  const server = new grpc.Server({ ...SERVER_DEFAULTS, ...options.grpcOptions });
  const encoder = new ResponseEncoder();

  const unwatch = options.cache.watch((nodeKey, typeUrl) => {
    for (const e of entries) if (nodeKey === ANY_NODE || e.stream.nodeId === nodeKey) e.stream.changed(typeUrl);
  });

  server.addService(ADS_SERVICE, {
    StreamAggregatedResources(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
      const stream = new AdsStream(options.cache, (bytes) => call.write(bytes), {
        encoder,
        debounceMs: options.debounceMs,
        ackTimeoutMs: options.ackTimeoutMs,
        onEvent: (e) => {
          const line = describeEvent(e);
          if (line !== null) log(line);
        },
      });
      const entry: Entry = { stream, peer: call.getPeer(), connectedAt: new Date() };
      entries.add(entry);
      let announced = false;
      const done = () => {
        if (!entries.delete(entry)) return;
        stream.close();
        if (announced) {
          log(`node '${stream.nodeId}' disconnected (${entry.peer})`);
          options.onNode?.('disconnected', stream.nodeId, stream.nodeInfo ?? {});
        }
      };
      call.on('data', (bytes: Buffer) => {
        let req: DiscoveryRequest;
        try {
          req = decodeRequest(bytes);
        } catch (err) {
          log(`closing the stream from ${entry.peer}: undecodable DiscoveryRequest (${(err as Error).message})`);
          call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `undecodable DiscoveryRequest: ${(err as Error).message}` });
          done();
          return;
        }
        if (!announced && req.node !== undefined) {
          announced = true;
          const id = typeof req.node.id === 'string' ? req.node.id : '';
          log(`node '${id}' connected from ${entry.peer}`);
          options.onNode?.('connected', id, req.node);
        }
        stream.receive(req);
      });
      call.on('end', () => {
        done();
        call.end();
      });
      call.on('error', done);
      call.on('cancelled', done);
      call.on('close', done);
    },
    DeltaAggregatedResources(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
      call.emit('error', {
        code: grpc.status.UNIMPLEMENTED,
        details: 'Weft serves state-of-the-world ADS only (StreamAggregatedResources); use api_type GRPC, not DELTA_GRPC',
      });
    },
  });

  try {
    await options.configure?.(server);
  } catch (err) {
    unwatch();
    server.forceShutdown();
    throw err;
  }

  const host = options.host ?? '127.0.0.1';
  const address = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${address}:${options.port ?? DEFAULT_XDS_PORT}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(new WeftError('WEFT_IO', `cannot listen for xDS on ${address}:${options.port ?? DEFAULT_XDS_PORT}: ${err.message}`, { cause: err }));
      else resolve(bound);
    });
  }).catch((err: unknown) => {
    // Ports the configure hook bound must not outlive a failed start.
    unwatch();
    server.forceShutdown();
    throw err;
  });

  return {
    port,
    nacks: () =>
      [...entries]
        .flatMap((e) => e.stream.status().map((t) => t.lastNack))
        .filter((n): n is Nack => n !== null)
        .sort((a, b) => a.at.getTime() - b.at.getTime()),
    proxies: () =>
      [...entries].map((e) => ({ nodeId: e.stream.nodeId, node: e.stream.nodeInfo, peer: e.peer, connectedAt: e.connectedAt, types: e.stream.status() })),
    close: async () => {
      unwatch();
      for (const e of entries) e.stream.close();
      // Streams never end on their own, so a graceful shutdown would wait forever: cancel them.
      server.forceShutdown();
      entries.clear();
    },
  };
}
