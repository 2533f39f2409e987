import { table, req } from './route-fixture.ts';
const routes: unknown[] = [];
for (let i = 0; i < 40; i++) routes.push({ name: `prefix-${i}`, match: { prefix: `/svc${i}/` }, route: { cluster: `c${i % 5}` } });
const t = table({ virtual_hosts: [{ name: 'main', domains: ['*'], routes }] });
const t2 = table({ virtual_hosts: [{ name: 'main', domains: ['api.example.com'], routes }] });
function b(label: string, tt: any, r: any) { let s = 0; for (let i = 0; i < 300000; i++) if (tt.match(r)) s++; let best = Infinity; for (let k = 0; k < 5; k++) { const st = process.hrtime.bigint(); for (let i = 0; i < 1e6; i++) if (tt.match(r)) s++; best = Math.min(best, Number(process.hrtime.bigint() - st) / 1e6); } console.log(label, best.toFixed(1)); }
b('any: svc0', t, req('/svc0/x', [], 'a'));
b('any: svc20', t, req('/svc20/x', [], 'a'));
b('any: svc39', t, req('/svc39/x', [], 'a'));
b('exact host: svc0', t2, req('/svc0/x', [], 'api.example.com'));
b('exact host: svc39', t2, req('/svc39/x', [], 'api.example.com'));
