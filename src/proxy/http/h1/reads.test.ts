import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { adoptReading, connectReading, keepReadBuffer, readsIntoBuffer, readWithEvents } from './reads.ts';

// Small buffers may be slices of one pooled ArrayBuffer: memory is the same when buffer and offset are.
const ids = new WeakMap<ArrayBufferLike, number>();
let nextId = 0;
function where(chunk: Buffer): string {
  if (!ids.has(chunk.buffer)) ids.set(chunk.buffer, nextId++);
  return `${ids.get(chunk.buffer)}@${chunk.byteOffset}`;
}

/** A server whose first accepted socket is handed to `onSocket`; resolves with the port. */
async function server(onSocket: (s: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const srv = net.createServer(onSocket);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

test('connectReading reuses one buffer across reads until a chunk is kept', async () => {
  const peers: net.Socket[] = [];
  const srv = await server((s) => peers.push(s));
  const seen: { text: string; memory: string; chunk: Buffer }[] = [];
  let wake: (() => void) | null = null;
  let keepNext = false;
  const socket = connectReading({ host: '127.0.0.1', port: srv.port }, (chunk) => {
    seen.push({ text: chunk.toString(), memory: where(chunk), chunk });
    if (keepNext) keepReadBuffer();
    wake?.();
  });
  await once(socket, 'connect');
  assert.ok(readsIntoBuffer(socket));
  while (peers.length === 0) await new Promise((r) => setImmediate(r));
  const send = async (text: string): Promise<void> => {
    const arrived = new Promise<void>((r) => { wake = r; });
    peers[0].write(text);
    await arrived;
  };
  await send('one');
  await send('two');
  assert.equal(seen[0].memory, seen[1].memory, 'the second read lands in the same memory');
  assert.equal(seen[0].chunk.toString(), 'two', 'which is why an unkept chunk must not be used after its callback');
  keepNext = true;
  await send('three');
  keepNext = false;
  await send('four');
  assert.notEqual(seen[3].memory, seen[2].memory, 'a kept chunk keeps its memory');
  assert.equal(seen[2].chunk.toString(), 'three');
  assert.deepEqual(seen.map((s) => s.text), ['one', 'two', 'three', 'four']);
  socket.destroy();
  peers[0].destroy();
  srv.close();
});

test('keepReadBuffer outside a read callback changes nothing', () => {
  keepReadBuffer();
});

test('adoptReading works on an accepted socket (Node 24) and pause() stops reads', async () => {
  const chunks: string[] = [];
  let adopted = false;
  let accepted: net.Socket | null = null;
  const srv = await server((s) => {
    accepted = s;
    adopted = adoptReading(s, (chunk) => chunks.push(chunk.toString()));
  });
  const client = net.connect(srv.port, '127.0.0.1');
  await once(client, 'connect');
  while (accepted === null) await new Promise((r) => setImmediate(r));
  assert.ok(adopted, 'this Node lets an accepted socket read into a reused buffer');
  const s = accepted as net.Socket;
  assert.equal(adoptReading(s, () => {}), false, 'a second adoption is refused');
  client.write('hello');
  while (chunks.join('') !== 'hello') await new Promise((r) => setImmediate(r));
  s.pause();
  client.write('later');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(chunks.join(''), 'hello', 'nothing is read while paused');
  s.resume();
  while (chunks.join('') !== 'hellolater') await new Promise((r) => setImmediate(r));
  const closed = once(s, 'close');
  client.end();
  await closed; // the peer's FIN still ends the socket
  srv.close();
});

test('readWithEvents hands reads over to data events in fresh buffers', async () => {
  let accepted: net.Socket | null = null;
  const direct: string[] = [];
  const srv = await server((s) => {
    accepted = s;
    adoptReading(s, (chunk) => direct.push(chunk.toString()));
  });
  const client = net.connect(srv.port, '127.0.0.1');
  await once(client, 'connect');
  while (accepted === null) await new Promise((r) => setImmediate(r));
  const s = accepted as net.Socket;
  readWithEvents(s);
  const events: Buffer[] = [];
  s.on('data', (chunk: Buffer) => events.push(chunk));
  client.write('a');
  while (events.length < 1) await new Promise((r) => setImmediate(r));
  client.write('b');
  while (events.length < 2) await new Promise((r) => setImmediate(r));
  assert.deepEqual(events.map(String), ['a', 'b'], 'earlier chunks are not overwritten');
  assert.notEqual(where(events[0]), where(events[1]));
  assert.deepEqual(direct, []);
  client.destroy();
  s.destroy();
  srv.close();
});

test('a read that fills the buffer moves the socket to a larger one; bytes arrive intact', async () => {
  const peers: net.Socket[] = [];
  const srv = await server((s) => peers.push(s));
  const got: Buffer[] = [];
  const lengths: number[] = [];
  const total = 300_000;
  let received = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => { finished = resolve; });
  const socket = connectReading({ host: '127.0.0.1', port: srv.port }, (chunk) => {
    got.push(Buffer.from(chunk)); // copied: the memory is reused
    lengths.push(chunk.length);
    received += chunk.length;
    if (received === total) finished();
  });
  socket.pause(); // let the bytes pile up in the kernel first, so reads are full
  await once(socket, 'connect');
  while (peers.length === 0) await new Promise((r) => setImmediate(r));
  const data = Buffer.alloc(total);
  for (let i = 0; i < total; i++) data[i] = (i * 7) & 0xff;
  peers[0].write(data);
  await new Promise((r) => setTimeout(r, 100));
  socket.resume();
  await done;
  assert.ok(Buffer.concat(got).equals(data));
  assert.equal(lengths[0], 16 * 1024, `first read ${lengths[0]} bytes`);
  assert.ok(Math.max(...lengths) > 16 * 1024, `read sizes: ${lengths.join(', ')}`);
  socket.destroy();
  peers[0].destroy();
  srv.close();
});
