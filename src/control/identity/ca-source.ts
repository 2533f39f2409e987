// Where the identity service reads the CA at each call: a fixed CA, or a RotatingCa whose view changes at each rotation step.
import { CertificateAuthority, type CaView } from '../../pki/index.ts';

/** The current CA view and its changes (RotatingCa is one). */
export interface CaSource {
  readonly view: CaView;
  onChange(listener: (view: CaView) => void): () => void;
}

/** A CA that never rotates (tests; servers mounted without a data directory). */
function fixedCa(ca: CertificateAuthority): CaSource {
  const view: CaView = { phase: 'steady', ca, issuers: [ca.issuer], retiringRoots: [] };
  return { view, onChange: () => () => {} };
}

export function caSource(ca: CertificateAuthority | CaSource): CaSource {
  return ca instanceof CertificateAuthority ? fixedCa(ca) : ca;
}
