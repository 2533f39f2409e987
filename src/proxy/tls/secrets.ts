// Named TLS secrets (Envoy's SDS Secret: a certificate with its key, or a validation context) and
// their rotation: file-backed secrets are re-read when their files change, `update` replaces one,
// and names under `sds-grpc/` are the identity agent's (agent-secrets.ts), which outlive this
// store. Subscribers (TLS contexts) swap their SecureContext; connections stay up.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { WeftError, isWeftError } from '../../core/errors.ts';
import type { Secret } from '../../xds/envoy/index.ts';
import { IDENTITY_AGENT_CLUSTER } from '../../xds/envoy/index.ts';
import { AGENT_CERTIFICATE, type AgentSecrets } from './agent-secrets.ts';
import { readCertificate, readValidationContext, sameMaterial, type CertificateMaterial, type TlsMaterial, type ValidationMaterial } from './material.ts';

type Listener = () => void;

interface Entry {
  material: TlsMaterial;
  load: () => TlsMaterial;
  readonly listeners: Set<Listener>;
  watchers: FSWatcher[];
  timer: NodeJS.Timeout | null;
  /** Changes applied since start (file events or update calls that changed the content). */
  rotations: number;
}

/** How long after the last file event the secret is re-read: a cert and key written one after the other land as one rotation. */
const SETTLE_MS = 50;

const AGENT_PREFIX = `${IDENTITY_AGENT_CLUSTER}/`;

/** The store name of an SDS reference to the identity agent's secret `name`. */
export function agentSecretName(name: string): string {
  return AGENT_PREFIX + name;
}

export class SecretStore {
  private readonly entries = new Map<string, Entry>();
  private readonly log: (line: string) => void;
  private closed = false;
  /** The identity agent's secrets, or null when this proxy runs without an identity. */
  readonly agent: AgentSecrets | null;

  constructor(log: (line: string) => void = (line) => process.stderr.write(`weft proxy: ${line}\n`), agent: AgentSecrets | null = null) {
    this.log = log;
    this.agent = agent;
  }

  /** Whether the secret outlives this store (the agent's): a context built on such secrets only may be kept across snapshots. */
  lasting(name: string): boolean {
    return name.startsWith(AGENT_PREFIX);
  }

  /** Adds a Secret (static_resources.secrets, or an inline tls_certificates / validation_context under a synthetic name). Reads it now. */
  define(secret: Secret, path: string): void {
    if (this.entries.has(secret.name)) throw new WeftError('WEFT_INTERNAL', `secret ${secret.name} is defined twice`, { path });
    const load = loader(secret, path);
    const entry: Entry = { material: load(), load, listeners: new Set(), watchers: [], timer: null, rotations: 0 };
    this.entries.set(secret.name, entry);
    this.watch(secret.name, entry);
  }

  /**
   * Replaces a secret's content (what an SDS response will do). The new content is read and
   * checked first; on any problem the previous content stays and the error is thrown.
   */
  update(secret: Secret, path = `secret ${secret.name}`): void {
    const entry = this.entries.get(secret.name);
    if (entry === undefined) throw new WeftError('WEFT_CONFIG_INVALID', `no secret named '${secret.name}'`, { path });
    const load = loader(secret, path);
    const material = load();
    if (material.kind !== entry.material.kind) {
      throw new WeftError('WEFT_CONFIG_INVALID', `secret '${secret.name}' holds a ${entry.material.kind === 'certificate' ? 'tls_certificate' : 'validation_context'}; an update cannot change its kind`, { path });
    }
    entry.load = load;
    for (const w of entry.watchers) w.close();
    this.watch(secret.name, entry);
    this.apply(entry, material);
  }

  /** The certificate now; null when it is the agent's and absent (not issued yet, or expired). */
  certificate(name: string): CertificateMaterial | null {
    const m = this.material(name, 'certificate');
    if (m !== null && m.kind !== 'certificate') throw new WeftError('WEFT_CONFIG_INVALID', `secret '${name}' is a validation_context, not a tls_certificate`);
    return m;
  }

  /** The trust anchors now; null when they are the agent's and absent (before the first certificate). */
  validation(name: string): ValidationMaterial | null {
    const m = this.material(name, 'validation');
    if (m !== null && m.kind !== 'validation') throw new WeftError('WEFT_CONFIG_INVALID', `secret '${name}' is a tls_certificate, not a validation_context`);
    return m;
  }

  /** Calls `fn` after each change of the secret's content; returns how to stop (an agent secret outlives the store). */
  subscribe(name: string, fn: Listener): () => void {
    if (this.lasting(name)) return this.requireAgent(name).subscribe(name.slice(AGENT_PREFIX.length), fn);
    const listeners = this.get(name).listeners;
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  rotations(name: string): number {
    if (this.lasting(name)) return this.requireAgent(name).rotations(name.slice(AGENT_PREFIX.length));
    return this.get(name).rotations;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) {
      for (const w of e.watchers) w.close();
      if (e.timer) clearTimeout(e.timer);
    }
  }

  private material(name: string, kind: TlsMaterial['kind']): TlsMaterial | null {
    if (!this.lasting(name)) return this.get(name).material;
    const own = name.slice(AGENT_PREFIX.length);
    const agent = this.requireAgent(name);
    const wanted = own === AGENT_CERTIFICATE ? 'certificate' : 'validation';
    if (wanted !== kind) {
      throw new WeftError('WEFT_CONFIG_INVALID', `the identity agent's secret '${own}' is a ${wanted === 'certificate' ? 'tls_certificate' : 'validation_context'}; it cannot be used as a ${kind === 'certificate' ? 'tls_certificate' : 'validation_context'}`);
    }
    return agent.get(own);
  }

  private requireAgent(name: string): AgentSecrets {
    const own = name.slice(AGENT_PREFIX.length);
    if (this.agent === null) {
      throw new WeftError('WEFT_CONFIG_UNSUPPORTED', `secret '${own}' comes from the workload identity agent (sds_config cluster ${IDENTITY_AGENT_CLUSTER}), and this proxy runs without an identity: start it with \`weft proxy --workload FILE --token-file FILE\` (weft proxy --help)`);
    }
    if (!this.agent.provides(own)) {
      throw new WeftError('WEFT_CONFIG_INVALID', `the workload identity agent provides the secrets 'default' (the workload certificate) and 'ROOTCA' (the trust bundle), not '${own}'`);
    }
    return this.agent;
  }

  private get(name: string): Entry {
    const e = this.entries.get(name);
    if (e === undefined) throw new WeftError('WEFT_CONFIG_INVALID', `no secret named '${name}' (define it under static_resources.secrets)`);
    return e;
  }

  private apply(entry: Entry, material: TlsMaterial): void {
    if (sameMaterial(entry.material, material)) return;
    entry.material = material;
    entry.rotations++;
    for (const fn of entry.listeners) fn();
  }

  /**
   * Watches the directories of the secret's files (not the files: a rotation that renames a new
   * file into place replaces the inode a file watch would follow).
   */
  private watch(name: string, entry: Entry): void {
    const byDir = new Map<string, Set<string>>();
    for (const f of entry.material.files) {
      const d = dirname(f);
      if (!byDir.has(d)) byDir.set(d, new Set());
      byDir.get(d)!.add(basename(f));
    }
    entry.watchers = [];
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => {
          if (file === null || names.has(String(file))) this.schedule(name, entry);
        });
        w.on('error', () => {});
        entry.watchers.push(w);
      } catch (err) {
        this.log(`secret ${name}: cannot watch ${dir} (${(err as Error).message}); its files will not rotate`);
      }
    }
  }

  private schedule(name: string, entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (this.closed) return;
      try {
        this.apply(entry, entry.load());
      } catch (err) {
        // Half-written files (a new certificate next to the old key) land here; the next event completes them.
        const why = isWeftError(err) ? err.message : `${(err as Error).message}`;
        this.log(`secret ${name}: keeping the previous version: ${why}`);
      }
    }, SETTLE_MS);
    entry.timer.unref();
  }
}

function loader(secret: Secret, path: string): () => TlsMaterial {
  if (secret.tls_certificate !== undefined) {
    const tc = secret.tls_certificate;
    return () => readCertificate(tc, `${path}.tls_certificate`);
  }
  const v = secret.validation_context!;
  return () => readValidationContext(v, `${path}.validation_context`);
}
