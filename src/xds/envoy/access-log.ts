// config.accesslog.v3.AccessLog with the two sinks Weft writes (JSON lines to stdout or to a file).

import type { Static } from 'typebox';
import { Any, Message, Str, Type } from './schema.ts';
import { TYPE_URLS } from './type-urls.ts';

const FORMAT_HINT = 'Weft writes access logs as JSON lines in its own format';

export const StdoutAccessLog = Message(
  { '@type': Type.Literal(TYPE_URLS.stdoutAccessLog) },
  { unsupported: { log_format: FORMAT_HINT } },
);

export const FileAccessLog = Message(
  { '@type': Type.Literal(TYPE_URLS.fileAccessLog), path: Str({ minLength: 1 }) },
  {
    unsupported: { format: FORMAT_HINT, json_format: FORMAT_HINT, typed_json_format: FORMAT_HINT, log_format: FORMAT_HINT },
  },
);

export const AccessLog = Message(
  {
    name: Type.Optional(Str()),
    typed_config: Any([StdoutAccessLog, FileAccessLog]),
  },
  { unsupported: { filter: 'every request is logged' } },
);

export type StdoutAccessLog = Static<typeof StdoutAccessLog>;
export type FileAccessLog = Static<typeof FileAccessLog>;
export type AccessLog = Static<typeof AccessLog>;
