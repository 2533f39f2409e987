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
