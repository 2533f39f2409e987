import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok, problem, exitCode, type Section } from './result.ts';
import { renderJson, renderText } from './render.ts';

const A = { id: 'a.one', description: 'one holds' };
const B = { id: 'b.two', description: 'two holds' };

test('text: sections with ✔ / ‼ / ×, details and hint indented, a summary; exit 1 only with a failure', () => {
  const warned: Section[] = [{ name: 'alpha', checks: [ok(A, 'fine')] }, { name: 'mTLS', checks: [problem('warning', B, 'not yet', 'do X', ['item 1'])] }];
  assert.equal(renderText(warned), [
    'alpha', '-----', '✔ one holds: fine', '',
    'mTLS', '----', '‼ two holds: not yet', '    item 1', '    hint: do X', '',
    'Status check results are ‼ (1 warning)', '',
  ].join('\n'));
  assert.equal(exitCode(warned), 0);
  const failed: Section[] = [{ name: 'alpha', checks: [problem('failure', A, 'broken', 'fix it'), problem('warning', B, 'meh', 'later')] }];
  assert.match(renderText(failed), /× one holds: broken\n    hint: fix it\n‼ two holds: meh\n    hint: later\n\nStatus check results are × \(1 failure, 1 warning\)\n$/);
  assert.equal(exitCode(failed), 1);
  assert.match(renderText([{ name: 'alpha', checks: [ok(A, 'fine')] }]), /Status check results are ✔\n$/);
});

test('json: success, counts and every check with its id and status', () => {
  const out = JSON.parse(renderJson([{ name: 'alpha', checks: [ok(A, 'fine'), problem('failure', B, 'broken', 'fix it')] }]));
  assert.deepEqual(out, {
    success: false, warnings: 0, failures: 1,
    sections: [{ name: 'alpha', checks: [
      { id: 'a.one', description: 'one holds', status: 'ok', message: 'fine' },
      { id: 'b.two', description: 'two holds', status: 'failure', message: 'broken', hint: 'fix it' },
    ] }],
  });
});
