// "direct": load goes straight to the backend; the floor every proxy's added latency is measured from.
import type { Peer, PeerSetup } from './types.ts';

export const direct: Peer = {
  id: 'direct',
  label: 'direct',
  probe: () => Promise.resolve({ installed: true, version: 'no proxy' }),
  start: (setup: PeerSetup) => Promise.resolve({
    url: `http://${setup.backend}/`,
    pid: undefined,
    failure: () => undefined,
    stop: () => Promise.resolve(),
  }),
};
