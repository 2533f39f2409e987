// A real gRPC service for tests, without .proto files: messages are UTF-8 strings, so the
// wire is real gRPC framing (length-prefixed messages, grpc-status trailers) over HTTP/2.
import * as grpc from '@grpc/grpc-js';

const serialize = (s: string): Buffer => Buffer.from(s);
const deserialize = (b: Buffer): string => b.toString();

export const ECHO_SERVICE = {
  unary: { path: '/test.Echo/Unary', requestStream: false, responseStream: false, requestSerialize: serialize, requestDeserialize: deserialize, responseSerialize: serialize, responseDeserialize: deserialize },
  serverStream: { path: '/test.Echo/ServerStream', requestStream: false, responseStream: true, requestSerialize: serialize, requestDeserialize: deserialize, responseSerialize: serialize, responseDeserialize: deserialize },
  bidi: { path: '/test.Echo/Bidi', requestStream: true, responseStream: true, requestSerialize: serialize, requestDeserialize: deserialize, responseSerialize: serialize, responseDeserialize: deserialize },
} satisfies grpc.ServiceDefinition;

export const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');

export async function startGrpcServer(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    unary: (call: grpc.ServerUnaryCall<string, string>, callback: grpc.sendUnaryData<string>) => {
      if (call.request === 'fail') {
        callback({ code: grpc.status.NOT_FOUND, details: 'asked to fail' });
        return;
      }
      const who = call.metadata.get('x-who')[0] ?? '';
      const trailer = new grpc.Metadata();
      trailer.set('x-served-by', name);
      callback(null, `${name}:${call.request}:${who}`, trailer);
    },
    serverStream: (call: grpc.ServerWritableStream<string, string>) => {
      const n = Number(call.request);
      for (let i = 0; i < n; i++) call.write(`${name}-${i}`);
      call.end();
    },
    bidi: (call: grpc.ServerDuplexStream<string, string>) => {
      call.on('data', (m: string) => call.write(`${name}:${m.toUpperCase()}`));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  // tryShutdown waits for every call and connection to end; teardown must not hang on a peer.
  return { port, close: async () => server.forceShutdown() };
}

/** One unary Echo call; resolves with the name of the server that answered (the reply's first field). */
export function servedBy(client: grpc.Client, metadata = new grpc.Metadata()): Promise<string> {
  return new Promise((resolve, reject) => {
    (client as unknown as { unary(m: string, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: Error | null, r?: string) => void): void })
      .unary('hi', metadata, { deadline: Date.now() + 5000 }, (err, reply) => (err ? reject(err) : resolve(reply!.split(':')[0])));
  });
}

/** `n` unary calls in a row, counted by the server that answered each. */
export async function servedByCounts(client: grpc.Client, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const who = await servedBy(client);
    out[who] = (out[who] ?? 0) + 1;
  }
  return out;
}
