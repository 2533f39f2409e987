import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, USAGE } from './run.ts';

test('defaults: h1, 3 runs of 10 s, 1,000 rps after 2 s warm-up, every peer', () => {
  assert.deepEqual(parseCli([]), {
    kind: 'run',
    scenarios: ['h1'],
    options: { runs: 3, seconds: 10, rate: 1000, warmupSeconds: 2, only: undefined },
  });
});

test('--quick presets, explicit flags win, --only splits', () => {
  const cli = parseCli(['--quick', '--runs', '2', '--only', 'haproxy, weft', 'h1']);
  assert.equal(cli.kind, 'run');
  if (cli.kind !== 'run') return;
  assert.deepEqual(cli.options, { runs: 2, seconds: 3, rate: 1000, warmupSeconds: 1, only: ['haproxy', 'weft'] });
});

test('bad input is an error that names the problem', () => {
  const message = (argv: string[]) => {
    const cli = parseCli(argv);
    return cli.kind === 'error' ? cli.message : `no error: ${cli.kind}`;
  };
  assert.match(message(['--runs', '0']), /--runs wants a positive integer/);
  assert.match(message(['--duration', '2.5']), /--duration wants a positive integer/);
  assert.match(message(['--rate', 'fast']), /--rate wants a positive number/);
  assert.match(message(['h3']), /unknown scenario "h3" \(known: h1\)/);
  assert.match(message(['--only', 'envoy']), /unknown peer "envoy"/);
  assert.match(message(['--bogus']), /Unknown option/);
});

test('--help lists every option and scenario', () => {
  assert.deepEqual(parseCli(['--help']), { kind: 'help' });
  for (const flag of ['--quick', '--runs N', '--duration S', '--rate R', '--only a,b', 'Scenarios: h1']) assert.ok(USAGE.includes(flag), flag);
});
