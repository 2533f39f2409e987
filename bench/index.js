// Lets `node --test bench/` work: Node 24's test runner does not expand a directory argument,
// it runs it as a module, which resolves to this file; so this file loads every bench test.
// (`node --test 'bench/*.test.ts'` is the same without this indirection.)
import { readdirSync } from 'node:fs';

for (const file of readdirSync(import.meta.dirname).filter((name) => name.endsWith('.test.ts')).sort()) {
  await import(`./${file}`);
}
