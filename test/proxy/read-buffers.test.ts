// HTTP/1.1 sockets read into buffers reused from one read to the next (src/proxy/http/h1/reads.ts):
// a body chunk that a pending write still holds must never be overwritten by the next read.
// Large random bodies against slow readers on either side, byte for byte, every protocol pairing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import http2 from 'node:http2';
import { createHash, randomBytes } from 'node:crypto';
import { startProxy } from '../helpers/proxy.ts';
import { simple, staticCluster, H2_OPTIONS } from '../helpers/bootstrap.ts';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

const BODY = randomBytes(6 * 1024 * 1024);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const BODY_SHA = sha(BODY);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a stream slowly (pausing after each chunk) so the proxy's writes back up. */
async function slowRead(stream: NodeJS.ReadableStream & { pause(): void; resume(): void }, every = 8): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    parts.push(chunk);
    if (++n % every === 0) await sleep(2);
  }
  return Buffer.concat(parts);
}

/** HTTP/1.1 upstream: GET /big answers BODY (chunked when ?chunked), POST answers the sha256 of what it read, slowly. */
async function h1Upstream(): Promise<number> {
  const srv = http.createServer(async (req, res) => {
    if (req.method === 'POST') {
      const got = await slowRead(req, 1);
      res.end(sha(got));
      return;
    }
    const chunked = req.url?.includes('chunked');
    if (!chunked) res.setHeader('content-length', BODY.length);
    // Many writes of odd sizes, so the proxy sees many reads of varying lengths.
    for (let off = 0; off < BODY.length;) {
      const end = Math.min(BODY.length, off + 7_000 + (off % 50_000));
      if (!res.write(BODY.subarray(off, end))) await new Promise((r) => res.once('drain', r));
      off = end;
    }
    res.end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => { srv.closeAllConnections(); return new Promise((r) => srv.close(r)); });
  return (srv.address() as net.AddressInfo).port;
}

/** HTTP/2 upstream: POST answers the sha256 of the body it read slowly. */
async function h2Upstream(): Promise<number> {
  const srv = http2.createServer();
  srv.on('stream', async (s) => {
    s.on('error', () => {});
    const got = await slowRead(s);
    s.respond({ ':status': 200 });
    s.end(sha(got));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => srv.close(r)));
  return (srv.address() as net.AddressInfo).port;
}

const h1Port = await h1Upstream();
const h2Port = await h2Upstream();
const proxy = await startProxy(simple([
  { match: { prefix: '/h2' }, route: { cluster: 'h2', timeout: '20s' } },
  { match: { prefix: '/' }, route: { cluster: 'h1', timeout: '20s' } },
], [staticCluster('h1', [h1Port]), staticCluster('h2', [h2Port], H2_OPTIONS)]));
cleanups.push(() => proxy.stop('SIGKILL'));
const port = proxy.ports.main;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
cleanups.push(() => agent.destroy());

function h1Get(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get({ port, path, agent }, (res) => {
      assert.equal(res.statusCode, 200);
      slowRead(res).then(resolve, reject);
    }).on('error', reject);
  });
}

function h1Post(path: string, chunked: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, path, method: 'POST', agent, headers: chunked ? {} : { 'content-length': BODY.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve(text));
    });
    req.on('error', reject);
    // Odd-sized writes: the proxy reads them into one buffer, again and again.
    for (let off = 0; off < BODY.length; off += 9_001) req.write(BODY.subarray(off, Math.min(BODY.length, off + 9_001)));
    req.end();
  });
}

test('a large response to a slow HTTP/1.1 client arrives intact (content-length and chunked), twice on one connection', async () => {
  assert.equal(sha(await h1Get('/big')), BODY_SHA);
  assert.equal(sha(await h1Get('/big?chunked')), BODY_SHA);
  assert.equal(sha(await h1Get('/big')), BODY_SHA);
});

test('a large request body to a slow HTTP/1.1 upstream arrives intact (content-length and chunked)', async () => {
  assert.equal(await h1Post('/up', false), BODY_SHA);
  assert.equal(await h1Post('/up', true), BODY_SHA);
});

test('HTTP/1.1 client → HTTP/2 upstream: a large request body arrives intact', async () => {
  assert.equal(await h1Post('/h2/up', false), BODY_SHA);
});

test('HTTP/2 client ← HTTP/1.1 upstream: a large response arrives intact', async () => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  cleanups.push(() => session.destroy());
  const stream = session.request({ ':path': '/big' });
  const got = await slowRead(stream);
  assert.equal(sha(got), BODY_SHA);
  session.close();
});
