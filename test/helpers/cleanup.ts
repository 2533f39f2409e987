// What a test file starts (processes, servers, agents) registers here and is closed after all its
// tests, last started first, whatever failed; a close that throws does not stop the others.
import { after } from 'node:test';

export type Closer = () => Promise<unknown>;

export function closeAfterAll(): Closer[] {
  const closers: Closer[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  });
  return closers;
}
