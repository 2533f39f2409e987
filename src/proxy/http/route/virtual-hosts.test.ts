import { test } from 'node:test';
import assert from 'node:assert/strict';
import { req, table } from './route-fixture.ts';
import { portStart, VirtualHostIndex } from './virtual-hosts.ts';

const vh = (name: string, domains: string[]) => ({ name, domains, routes: [{ match: { prefix: '/' }, direct_response: { status: 200 } }] });
const hostOf = (t: ReturnType<typeof table>, authority: string) => t.match(req('/', [], authority))?.virtualHost.name ?? null;

test("Envoy's search order: exact, longest suffix wildcard, longest prefix wildcard, then '*'", () => {
  const t = table({
    virtual_hosts: [
      vh('exact', ['www.foo.com']),
      vh('suffix-long', ['*-bar.foo.com']),
      vh('suffix', ['*.foo.com']),
      vh('prefix-long', ['foo-bar.*']),
      vh('prefix', ['foo.*']),
      vh('any', ['*']),
    ],
  });
  assert.equal(hostOf(t, 'www.foo.com'), 'exact');
  assert.equal(hostOf(t, 'baz-bar.foo.com'), 'suffix-long'); // Envoy's own example
  assert.equal(hostOf(t, 'baz.foo.com'), 'suffix');
  assert.equal(hostOf(t, 'foo-bar.example'), 'prefix-long');
  assert.equal(hostOf(t, 'foo.example'), 'prefix');
  assert.equal(hostOf(t, 'elsewhere'), 'any');
  // Suffix wildcards beat prefix wildcards even when the prefix is longer.
  assert.equal(hostOf(t, 'foo.x.foo.com'), 'suffix');
});

test('a wildcard never matches the empty string', () => {
  const t = table({ virtual_hosts: [vh('suffix', ['*-bar.foo.com']), vh('prefix', ['foo.*'])] });
  assert.equal(hostOf(t, '-bar.foo.com'), null);
  assert.equal(hostOf(t, 'foo.'), null);
});

test('host matching is case-insensitive', () => {
  const t = table({ virtual_hosts: [vh('a', ['Shop.Example.com'])] });
  assert.equal(hostOf(t, 'SHOP.example.COM'), 'a');
});

test('the port is part of the host, unless ignore_port_in_host_matching (as in Envoy)', () => {
  const strict = table({ virtual_hosts: [vh('a', ['example.com'])] });
  assert.equal(hostOf(strict, 'example.com:8080'), null);
  const ignoring = table({ ignore_port_in_host_matching: true, virtual_hosts: [vh('a', ['example.com']), vh('v6', ['[::1]'])] });
  assert.equal(hostOf(ignoring, 'example.com:8080'), 'a');
  assert.equal(hostOf(ignoring, '[::1]:8080'), 'v6');
  assert.equal(hostOf(ignoring, '[::1]'), 'v6');
  const withPorts = table({ virtual_hosts: [vh('any-port', ['example.com:*'])] });
  assert.equal(hostOf(withPorts, 'example.com:8080'), 'any-port');
});

test('only "*": every authority, even empty, reaches it; no virtual hosts → no route', () => {
  assert.equal(hostOf(table({ virtual_hosts: [vh('any', ['*'])] }), ''), 'any');
  assert.equal(hostOf(table({}), 'example.com'), null);
});

test('portStart follows Envoy (IPv6 literals keep their colons)', () => {
  assert.equal(portStart('a.com:80'), 5);
  assert.equal(portStart('a.com'), -1);
  assert.equal(portStart('[::1]:80'), 5);
  assert.equal(portStart('[::1]'), -1);
});

test('the first definition of a domain wins inside the index', () => {
  const idx = new VirtualHostIndex([{ domains: ['a.com'], value: 1 }, { domains: ['A.com'], value: 2 }], false);
  assert.equal(idx.find('a.com'), 1);
});
