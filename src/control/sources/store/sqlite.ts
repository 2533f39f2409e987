// Durable backend on node:sqlite in the control plane's data directory: WAL journal, one
// transaction per write batch, the revision counter and watch history in the same database,
// so a restart resumes exactly where the last committed write left it.

import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError } from '../../../core/errors.ts';
import type { Backend } from './backend.ts';
import type { StoredResource, WatchEvent, Selector, WatchEventType } from './store.ts';
import { EmbeddedStore, type EmbeddedOptions } from './embedded.ts';
import { DEFAULT_HISTORY } from './memory.ts';

export const DB_FILE = 'weft.db';
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  revision INTEGER NOT NULL, object TEXT NOT NULL,
  PRIMARY KEY (kind, namespace, name)) STRICT;
CREATE TABLE IF NOT EXISTS events (
  revision INTEGER PRIMARY KEY, type TEXT NOT NULL, kind TEXT NOT NULL, namespace TEXT NOT NULL,
  object TEXT NOT NULL) STRICT;
`;

interface Row { readonly object: string }
interface EventRow { readonly revision: number; readonly type: string; readonly object: string }

class SqliteBackend implements Backend {
  readonly #db: DatabaseSync;
  readonly #history: number;
  readonly #get: StatementSync;
  readonly #upsert: StatementSync;
  readonly #remove: StatementSync;
  readonly #addEvent: StatementSync;
  readonly #setState: StatementSync;
  readonly #compact: StatementSync;
  #revision: number;
  #compacted: number;

  constructor(path: string, history: number) {
    this.#history = history;
    try {
      this.#db = new DatabaseSync(path);
      // One control plane per data directory: the exclusive lock is taken by the first read
      // below and held until close, so a second process fails at start instead of serving a
      // store whose revision counter it does not own.
      this.#db.exec('PRAGMA busy_timeout = 1000; PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
      const version = (this.#db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      if (version > SCHEMA_VERSION) {
        throw new WeftError('WEFT_IO', `${path} was written by a newer Weft (schema ${version}, this one reads ${SCHEMA_VERSION}); upgrade weft or use another --data-dir`);
      }
      this.#db.exec(SCHEMA);
      this.#db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    } catch (err) {
      if (err instanceof WeftError) throw err;
      const message = (err as Error).message;
      if (/locked|busy/i.test(message)) {
        throw new WeftError('WEFT_IO', `the store at ${path} is in use by another weft control-plane; stop that one or pass another --data-dir`, { cause: err });
      }
      throw new WeftError('WEFT_IO', `cannot open the store at ${path}: ${message}`, { cause: err });
    }
    const state = (key: string) => (this.#db.prepare('SELECT value FROM state WHERE key = ?').get(key) as { value: number } | undefined)?.value ?? 0;
    this.#revision = state('revision');
    this.#compacted = state('compacted');
    this.#get = this.#db.prepare('SELECT object FROM resources WHERE kind = ? AND namespace = ? AND name = ?');
    this.#upsert = this.#db.prepare('INSERT INTO resources (kind, namespace, name, revision, object) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, namespace, name) DO UPDATE SET revision = excluded.revision, object = excluded.object');
    this.#remove = this.#db.prepare('DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?');
    this.#addEvent = this.#db.prepare('INSERT INTO events (revision, type, kind, namespace, object) VALUES (?, ?, ?, ?, ?)');
    this.#setState = this.#db.prepare('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#compact = this.#db.prepare('DELETE FROM events WHERE revision <= ?');
  }

  getRow(kind: string, namespace: string, name: string): StoredResource | undefined {
    const row = this.#get.get(kind, namespace, name) as Row | undefined;
    return row ? (JSON.parse(row.object) as StoredResource) : undefined;
  }

  listRows(selector: Selector): StoredResource[] {
    const where: string[] = [];
    const args: string[] = [];
    if (selector.kind !== undefined) { where.push('kind = ?'); args.push(selector.kind); }
    if (selector.namespace !== undefined) { where.push('namespace = ?'); args.push(selector.namespace); }
    const sql = `SELECT object FROM resources${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY kind, namespace, name`;
    return (this.#db.prepare(sql).all(...args) as unknown as Row[]).map((r) => JSON.parse(r.object) as StoredResource);
  }

  revision(): number {
    return this.#revision;
  }

  oldestWatchable(): number {
    return this.#compacted;
  }

  eventsAfter(revision: number, selector: Selector): WatchEvent[] {
    const where = ['revision > ?'];
    const args: (string | number)[] = [revision];
    if (selector.kind !== undefined) { where.push('kind = ?'); args.push(selector.kind); }
    if (selector.namespace !== undefined) { where.push('namespace = ?'); args.push(selector.namespace); }
    const rows = this.#db.prepare(`SELECT revision, type, object FROM events WHERE ${where.join(' AND ')} ORDER BY revision`).all(...args) as unknown as EventRow[];
    return rows.map((r) => ({ type: r.type as WatchEventType, revision: r.revision, object: JSON.parse(r.object) as StoredResource }));
  }

  commit(events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    let revision = this.#revision;
    let compacted = this.#compacted;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const e of events) {
        const m = e.object.metadata;
        const ns = m.namespace ?? '';
        const json = JSON.stringify(e.object);
        if (e.type === 'DELETED') this.#remove.run(e.object.kind, ns, m.name);
        else this.#upsert.run(e.object.kind, ns, m.name, e.revision, json);
        this.#addEvent.run(e.revision, e.type, e.object.kind, ns, json);
        revision = e.revision;
      }
      this.#setState.run('revision', revision);
      if (revision - compacted > this.#history) {
        compacted = revision - this.#history;
        this.#compact.run(compacted);
        this.#setState.run('compacted', compacted);
      }
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw new WeftError('WEFT_IO', `the store could not write: ${(err as Error).message}`, { cause: err });
    }
    this.#revision = revision;
    this.#compacted = compacted;
  }

  close(): void {
    this.#db.close();
  }
}

/** Opens (creating if needed) the store in `dataDir`. */
export function openSqliteStore(dataDir: string, options: EmbeddedOptions & { history?: number } = {}): EmbeddedStore {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new WeftError('WEFT_IO', `cannot create the data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  return new EmbeddedStore(new SqliteBackend(join(dataDir, DB_FILE), options.history ?? DEFAULT_HISTORY), options);
}
