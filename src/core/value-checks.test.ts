import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeValue, notAString, lengthProblem, countProblems, rangeProblem } from './value-checks.ts';

test('values read naturally in messages', () => {
  assert.equal(describeValue(null), 'null');
  assert.equal(describeValue([1]), 'a list');
  assert.equal(describeValue({}), 'an object');
  assert.equal(describeValue('x'.repeat(50)), `the string "${'x'.repeat(40)}…"`);
  assert.equal(describeValue(7), 'number 7');
  assert.equal(notAString(true), 'expected a string, got boolean true (quote it: "true")');
});

test('length, count and range problems, and none when within bounds', () => {
  assert.equal(lengthProblem('', 1, 5), 'must not be empty');
  assert.equal(lengthProblem('ab', 3, 5), 'must be at least 3 characters');
  assert.equal(lengthProblem('abcdef', 1, 5), 'must be at most 5 characters');
  assert.equal(lengthProblem('abc', 1, 5), undefined);
  assert.deepEqual(countProblems(0, 1, 3), ['needs at least 1 item']);
  assert.deepEqual(countProblems(4, 2, 3), ['allows at most 3 items, got 4']);
  assert.deepEqual(countProblems(2, 1, 3), []);
  assert.equal(rangeProblem(0, 1, 65535), 'must be between 1 and 65535, got 0');
  assert.equal(rangeProblem(-1, 0, undefined), 'must be at least 0, got -1');
  assert.equal(rangeProblem(9, undefined, 8), 'must be at most 8, got 9');
  assert.equal(rangeProblem(5, 1, 9), undefined);
});
