// The @fastify/http-proxy peer process: `node fastify-server.ts <port> <upstream-url>`.
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const [port, upstream] = process.argv.slice(2);
if (!port || !upstream) {
  console.error('usage: fastify-server.ts <port> <upstream-url>');
  process.exit(2);
}

// Plugin defaults, as a user would deploy it: @fastify/reply-from's undici pool keeps
// upstream connections alive. No logger, like the native peers without access logs.
const app = Fastify({ logger: false });
await app.register(proxy, { upstream });
await app.listen({ host: '127.0.0.1', port: Number(port) });

// The harness runs us in our own process group; if it dies without stopping us, exit
// rather than linger as an orphan.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
