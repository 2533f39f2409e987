// What every peer (a proxy or "direct") provides to a scenario: a version probe and a start.

export type Probe =
  | { readonly installed: true; readonly version: string }
  | { readonly installed: false; readonly reason: string };

export interface PeerSetup {
  /** Temp dir for this peer's config files; removed by the harness. */
  readonly dir: string;
  /** Backend address, `127.0.0.1:<port>`. */
  readonly backend: string;
  /** CPU to pin the proxy to, when pinning is possible. */
  readonly cpu: number | undefined;
}

export interface Running {
  /** Where load is sent. */
  readonly url: string;
  /** Root of the process tree whose CPU and RSS are measured; undefined for "direct". */
  readonly pid: number | undefined;
  /** Undefined while healthy; otherwise why it is not (it exited, and its stderr). */
  failure(): string | undefined;
  stop(): Promise<void>;
}

export interface Peer {
  /** Name used by `--only`. */
  readonly id: string;
  /** Row label in tables. */
  readonly label: string;
  probe(): Promise<Probe>;
  /** Starts and waits until it serves GET / with 200; throws StartFailure otherwise. */
  start(setup: PeerSetup): Promise<Running>;
}

/** A peer that is installed but did not come up; the message is shown in its table row. */
export class StartFailure extends Error {
  override readonly name = 'StartFailure';
}
