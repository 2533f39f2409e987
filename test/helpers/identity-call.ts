// One CreateCertificate call to an identity service, as a proxy's identity client makes it:
// a CSR, an optional workload token (Bearer metadata), a 5 s deadline, a fresh channel.
import * as grpc from '@grpc/grpc-js';
import { identityServiceClient, type CreateCertificateResponse } from '../../src/pki/index.ts';

export function requestCertificate(address: string, credentials: grpc.ChannelCredentials, csr: string, token?: string, validitySeconds = 0): Promise<CreateCertificateResponse> {
  const client = identityServiceClient(address, credentials);
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return new Promise<CreateCertificateResponse>((resolve, reject) => {
    client.CreateCertificate({ csr, validity_duration: validitySeconds }, metadata, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res!)));
  }).finally(() => client.close());
}
