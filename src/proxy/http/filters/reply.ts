// A filter's local reply on the wire: plain HTTP, or — for gRPC requests and gRPC aborts — a
// trailers-only gRPC response (HTTP 200, grpc-status in the head), as Envoy's sendLocalReply does.
import { getHeader, type HeaderList } from '../headers.ts';
import type { FilterHost, FilterReply, RequestHead } from './types.ts';

const EMPTY = Buffer.alloc(0);

/** application/grpc and application/grpc+proto… but not grpc-web (Envoy's isGrpcRequestHeaders). */
export function isGrpcRequest(headers: HeaderList): boolean {
  const type = getHeader(headers, 'content-type');
  if (type === undefined || !type.startsWith('application/grpc')) return false;
  const next = type.charCodeAt(16);
  return Number.isNaN(next) || next === 43 /* + */ || next === 59 /* ; */;
}

/** Envoy's Grpc::Utility::httpToGrpcStatus. */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400: return 13; // INTERNAL
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 12; // UNIMPLEMENTED
    case 429: case 502: case 503: case 504: return 14; // UNAVAILABLE
    default: return 2; // UNKNOWN
  }
}

/** grpc-message is percent-encoded outside printable ASCII (gRPC over HTTP/2 spec). */
function grpcMessage(body: Buffer): string {
  return encodeURIComponent(body.toString('utf8')).replace(/%20/g, ' ');
}

export function sendFilterReply(host: FilterHost, head: RequestHead, reply: FilterReply): void {
  const headers: HeaderList = ['x-weft-error', reply.code];
  reply.addHeaders?.(headers);
  if (reply.forceGrpc || isGrpcRequest(head.headers)) {
    const status = reply.grpcStatus >= 0 ? reply.grpcStatus : grpcStatusForHttp(reply.status);
    headers.push('content-type', 'application/grpc', 'grpc-status', String(status), 'grpc-message', grpcMessage(reply.body));
    host.respondLocally(200, EMPTY, headers, reply.flag, reply.code);
    return;
  }
  headers.push('content-type', 'text/plain');
  host.respondLocally(reply.status, reply.body, headers, reply.flag, reply.code);
}
