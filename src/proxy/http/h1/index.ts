// HTTP/1.1 codec: the strict parser and the serializer the proxy's hot path uses on raw sockets.
export {
  DEFAULT_LIMITS,
  H1ParseError,
  H1Parser,
  type BodyFraming,
  type H1Handler,
  type H1Limits,
  type RequestHead,
  type ResponseHead,
} from './parser.ts';
export { CHUNK_SUFFIX, chunkPrefix, lastChunk, requestHead, responseHead } from './serialize.ts';
