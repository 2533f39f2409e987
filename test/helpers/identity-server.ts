// A process running the identity service alone on a data directory — what `weft control-plane` will start next to its ADS server.
// Usage: node test/helpers/identity-server.ts DATA_DIR PORTS_FILE [LEAF_TTL_MS]
import { writeFileSync } from 'node:fs';
import { createIdentityServer, openIdentityDataDir } from '../../src/control/identity/index.ts';
import { parseTrustDomain } from '../../src/pki/index.ts';

const [dataDir, portsFile, ttl] = process.argv.slice(2);
const log = (line: string) => console.log(line);
const { ca, tokens, issuanceLog } = await openIdentityDataDir(dataDir, parseTrustDomain('cluster.local'));
log(`identity: CA ${JSON.stringify(ca.view.ca)}`);
const server = await createIdentityServer({ ca, tokens, issuanceLog, plaintextPort: 0, tlsPort: 0, leafTtlMs: ttl ? Number(ttl) : undefined, log });
writeFileSync(portsFile, JSON.stringify({ plaintext: server.plaintextPort, tls: server.tlsPort }));
process.once('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
