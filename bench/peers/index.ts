// Every peer, in table order: the floor, the native reference proxies, the Node peer, Weft.
import { caddy } from './caddy.ts';
import { direct } from './direct.ts';
import { fastify } from './fastify.ts';
import { haproxy } from './haproxy.ts';
import { nginx } from './nginx.ts';
import type { Peer } from './types.ts';
import { weft } from './weft.ts';

export const PEERS: readonly Peer[] = [direct, haproxy, nginx, caddy, fastify, weft];

export { startBackend, BODY_BYTES, type Backend } from './backend.ts';
export { StartFailure, type Peer, type PeerSetup, type Running, type Probe } from './types.ts';
