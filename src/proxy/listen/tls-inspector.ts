// envoy.filters.listener.tls_inspector: tells a TLS ClientHello from plaintext by the first bytes,
// without consuming them, so filter_chain_match.transport_protocol can pick the chain.
import type { Socket } from 'node:net';

export type TransportProtocol = 'tls' | 'raw_buffer';

/** Envoy's listener_filters_timeout default: a silent client is closed after it. */
export const INSPECTOR_TIMEOUT_MS = 15_000;

/**
 * A TLS record starts with content type 22 (handshake), major version 3, a two-byte length and
 * handshake type 1 (ClientHello). Decided as soon as a byte disagrees, so a plaintext client that
 * sends "G" and waits is not held up.
 */
export function classify(bytes: Buffer): TransportProtocol | 'more' {
  if (bytes.length >= 1 && bytes[0] !== 0x16) return 'raw_buffer';
  if (bytes.length >= 2 && bytes[1] !== 0x03) return 'raw_buffer';
  if (bytes.length >= 6) return bytes[5] === 0x01 ? 'tls' : 'raw_buffer';
  return 'more';
}

/** Reads until `classify` decides, puts the bytes back, and calls `done` with the socket paused. */
export function inspect(socket: Socket, done: (protocol: TransportProtocol) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), INSPECTOR_TIMEOUT_MS);
  const onClose = (): void => clearTimeout(timer);
  socket.once('close', onClose);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const verdict = classify(seen);
    if (verdict === 'more') return;
    socket.off('data', onData);
    socket.off('close', onClose);
    clearTimeout(timer);
    socket.pause();
    socket.unshift(seen);
    done(verdict);
  };
  socket.on('data', onData);
}
