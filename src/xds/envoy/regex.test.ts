import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRe2, parseRe2Substitution, translateRe2, MAX_REGEX_LENGTH } from './regex.ts';

function full(pattern: string): RegExp {
  const r = compileRe2(pattern);
  assert.ok(r.ok, `refused ${pattern}: ${r.ok ? '' : r.reason}`);
  return r.compiled.full;
}

function refusal(pattern: string): { unsupported: boolean; reason: string } {
  const r = compileRe2(pattern);
  assert.ok(!r.ok, `accepted ${pattern}`);
  return r;
}

test('safe_regex semantics: the whole input must match', () => {
  const re = full('/api/v[0-9]+');
  assert.equal(re.test('/api/v12'), true);
  assert.equal(re.test('/api/v12/x'), false);
  assert.equal(re.test('x/api/v1'), false);
});

test('RE2 syntax JS lacks is translated: named groups, inline flags, \\Q…\\E, POSIX classes, \\z', () => {
  assert.equal(full('(?P<id>[^/]+)').exec('abc')?.groups?.id, 'abc');
  assert.equal(full('(?i)/xxx/').test('/XxX/'), true);
  assert.equal(full('a(?i:b)c').test('aBc'), true);
  assert.equal(full('a(?i:b)c').test('aBC'), false);
  assert.equal(full('\\Qa.b\\E').test('a.b'), true);
  assert.equal(full('\\Qa.b\\E').test('axb'), false);
  assert.equal(full('[[:digit:]]+').test('123'), true);
  assert.equal(full('\\Aab\\z').test('ab'), true);
  assert.equal(full('(?i)[a-c]+').test('AbC'), true);
});

test("'.' does not match a newline unless (?s), as in RE2", () => {
  assert.equal(full('a.b').test('a\nb'), false);
  assert.equal(full('a.b').test('a\rb'), true); // JS's '.' would refuse \r; RE2's does not
  assert.equal(full('(?s)a.b').test('a\nb'), true);
});

test('backreferences and lookaround are refused as unsupported (not RE2)', () => {
  assert.match(refusal('(a)\\1').reason, /backreference/);
  assert.match(refusal('(?=a)a').reason, /lookaround/);
  assert.match(refusal('(?<!a)b').reason, /lookaround/);
  assert.match(refusal('(?P<x>a)(?P=x)').reason, /backreference/);
  assert.equal(refusal('(a)\\1').unsupported, true);
});

test('invalid patterns are invalid, with the reason', () => {
  for (const [p, why] of [
    ['(ab', /missing closing \)/],
    ['ab)', /unexpected \)/],
    ['[ab', /missing closing \]/],
    ['x**', /bad repetition operator/],
    ['*a', /missing argument/],
    ['a{1001}', /at most 1000/],
    ['\\y', /invalid escape/],
    ['[z-a]', /invalid range/],
  ] as const) {
    const r = refusal(p);
    assert.equal(r.unsupported, false, p);
    assert.match(r.reason, why, p);
  }
});

test(`patterns longer than ${MAX_REGEX_LENGTH} characters are refused (ReDoS defence)`, () => {
  assert.match(refusal('a'.repeat(MAX_REGEX_LENGTH + 1)).reason, /limit is 1024/);
  assert.ok(compileRe2('a'.repeat(MAX_REGEX_LENGTH)).ok);
});

test('catastrophic patterns run in linear time on hostile input (RELIABILITY.md D5)', () => {
  for (const p of ['(a+)+$', '(a|a)*b', '(x+x+)+y', '(?:a|aa)*c']) {
    const re = full(p);
    const start = performance.now();
    re.test('a'.repeat(50_000) + '!');
    re.test('x'.repeat(50_000) + '!');
    assert.ok(performance.now() - start < 1000, `${p} backtracked`);
  }
});

test('counted repetition is expanded so it stays within the linear engine', () => {
  const t = translateRe2('[0-9a-f]{32}');
  assert.ok(t.ok && !t.source.includes('{'));
  assert.equal(full('[0-9a-f]{32}').test('0123456789abcdef0123456789abcdef'), true);
  assert.equal(full('[0-9a-f]{32}').test('0123456789abcdef'), false);
  assert.equal(full('(?:[a-z]{1,4}/){1,5}').test('ab/cde/f/'), true);
  assert.equal(full('a{2,}?b').test('aaab'), true);
  assert.match(refusal('((a){20})').reason, /linear time/);
});

test('property: counted repetition matches exactly the counts RE2 allows', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 60 }), (a, b, n) => {
      const [min, max] = a <= b ? [a, b] : [b, a];
      const re = full(`x{${min},${max}}`);
      assert.equal(re.test('x'.repeat(n)), n >= min && n <= max);
    }),
  );
});

test('property: (?i) folds ASCII case and nothing else', () => {
  const re = full('(?i)hello-[a-c]');
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('h', 'H', 'e', 'E', 'l', 'L', 'o', 'O', '-', 'a', 'B', 'c', 'D', 'x'), maxLength: 8 }), (s) => {
      assert.equal(re.test(s), /^hello-[a-c]$/.test(s.toLowerCase()));
    }),
  );
});

test('rewrite substitutions use RE2 syntax: \\N groups, \\\\ a backslash, $ literal', () => {
  assert.deepEqual(parseRe2Substitution('\\2/instance/\\1', 2), { ok: true, parts: [2, '/instance/', 1] });
  assert.deepEqual(parseRe2Substitution('$1\\\\x', 1), { ok: true, parts: ['$1\\x'] });
  const bad = parseRe2Substitution('\\3', 2);
  assert.ok(!bad.ok && /has 2 capture groups/.test(bad.reason));
  assert.ok(!parseRe2Substitution('\\q', 0).ok);
});
