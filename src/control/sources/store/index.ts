// sources/store: desired state with versions and watches (embedded: node:sqlite or memory).
export type { Store, StoredResource, StoredMeta, ApplyResult, ApplyOutcome, ListResult, Selector, Watch, WatchEvent, WatchEventType, WriteOptions } from './store.ts';
export { openMemoryStore } from './memory.ts';
export { openSqliteStore } from './sqlite.ts';
