// RE2 patterns (Envoy's safe_regex) on V8: checked against RE2's syntax, translated to an equivalent
// JS source, and guaranteed linear-time in the worst case — the ReDoS defence of RELIABILITY.md D5.

import { setFlagsFromString } from 'node:v8';

// Why these flags: Envoy's guarantee comes from RE2, which never backtracks. V8 ships a linear-time
// engine and can switch a regexp to it after 50 000 backtracks — but only for patterns that engine can
// run. The first flag lets us *test* a pattern against that engine (the `l` flag); the second enables
// the switch. Together: fast irregexp for normal inputs, linear time for hostile ones. The flags only
// change behaviour for regexps that backtrack pathologically, so setting them process-wide is safe.
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** False only on a Node whose V8 lacks the linear engine; patterns are then checked syntactically. */
const LINEAR_ENGINE = (() => {
  try {
    new RegExp('a', 'l');
    return true;
  } catch {
    return false;
  }
})();

/** Longest pattern accepted (ReDoS and memory bound; Envoy's RE2 program-size limit is similar). */
export const MAX_REGEX_LENGTH = 1024;
/** RE2 refuses counted repetition above this. */
const MAX_REPEAT = 1000;
/** Translated sources beyond this are refused (counted repetition is expanded textually). */
const MAX_JS_SOURCE = 65536;

export type Re2Translation =
  | { readonly ok: true; readonly source: string; readonly groups: number }
  | { readonly ok: false; readonly unsupported: boolean; readonly reason: string };

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
const SIMPLE_ESCAPES: Record<string, string> = { a: '\\x07', f: '\\f', t: '\\t', n: '\\n', r: '\\r', v: '\\v' };
const CLASS_ESCAPES = 'dDwWsS';

class Refusal extends Error {
  readonly unsupported: boolean;
  constructor(unsupported: boolean, reason: string) {
    super(reason);
    this.unsupported = unsupported;
  }
}
const invalid = (reason: string) => new Refusal(false, reason);
const unsupported = (reason: string) => new Refusal(true, reason);

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const swapCase = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
const escapeLiteral = (c: string) => (/[\\^$.|?*+()[\]{}/-]/.test(c) ? `\\${c}` : c);

interface Frame {
  start: number; // where the group's text begins in `out`
  capturing: boolean;
  hasCapture: boolean;
  fold: boolean; // case-insensitive, restored when the group closes
  dotAll: boolean;
}

/** Translates an RE2 pattern to a JS source with the same matches (ASCII case folding). */
export function translateRe2(pattern: string): Re2Translation {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return { ok: false, unsupported: false, reason: `regex is ${pattern.length} characters; the limit is ${MAX_REGEX_LENGTH}` };
  }
  try {
    return new Translator(pattern).run();
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, unsupported: e.unsupported, reason: e.message };
    throw e;
  }
}

class Translator {
  private out = '';
  private i = 0;
  private groups = 0;
  private atom: { start: number; hasCapture: boolean } | null = null;
  private readonly stack: Frame[] = [];
  private frame: Frame = { start: 0, capturing: false, hasCapture: false, fold: false, dotAll: false };
  private readonly p: string;

  constructor(p: string) {
    this.p = p;
  }

  run(): Re2Translation {
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i];
      if (c === '\\') this.escape();
      else if (c === '[') this.charClass();
      else if (c === '(') this.openGroup();
      else if (c === ')') this.closeGroup();
      else if (c === '*' || c === '+' || c === '?') this.quantifier(c === '*' ? 0 : c === '+' ? 1 : 0, c === '?' ? 1 : Infinity, 1);
      else if (c === '{' && /^\{\d+(,\d*)?\}/.test(p.slice(this.i))) this.braces();
      else if (c === '|' || c === '^' || c === '$') {
        this.out += c;
        this.atom = null;
        this.i++;
      } else if (c === '.') this.emitAtom(this.frame.dotAll ? '[\\s\\S]' : '[^\\n]', 1);
      else this.literal(c, 1);
    }
    if (this.stack.length > 0) throw invalid('missing closing )');
    if (this.out.length > MAX_JS_SOURCE) throw unsupported('counted repetitions expand beyond what Weft runs in linear time; use smaller counts');
    return { ok: true, source: this.out, groups: this.groups };
  }

  private emitAtom(text: string, advance: number, hasCapture = false): void {
    this.atom = { start: this.out.length, hasCapture };
    this.out += text;
    this.i += advance;
  }

  private literal(c: string, advance: number): void {
    this.emitAtom(this.frame.fold && isLetter(c) ? `[${c}${swapCase(c)}]` : escapeLiteral(c), advance);
  }

  private escape(): void {
    const p = this.p;
    const n = p[this.i + 1];
    if (n === undefined) throw invalid('trailing backslash');
    if (n >= '1' && n <= '9') throw unsupported(`backreference \\${n}: RE2 (and so Envoy) has no backreferences`);
    if (n === 'k') throw unsupported('named backreferences are not RE2 syntax');
    if (n === 'p' || n === 'P') throw unsupported('Unicode classes (\\p, \\P) are not supported; use an explicit class');
    if (n === 'C') throw unsupported('\\C (any byte) is not supported');
    if (n === 'A' || n === 'z') return this.anchor(n === 'A' ? '^' : '$');
    if (n === 'b' || n === 'B') return this.anchor(`\\${n}`);
    if (CLASS_ESCAPES.includes(n)) return this.emitAtom(`\\${n}`, 2);
    if (n in SIMPLE_ESCAPES) return this.emitAtom(SIMPLE_ESCAPES[n], 2);
    if (n === 'Q') {
      const end = p.indexOf('\\E', this.i + 2);
      const text = p.slice(this.i + 2, end < 0 ? p.length : end);
      this.i = end < 0 ? p.length : end + 2;
      for (const ch of text) this.literal(ch, 0);
      return;
    }
    if (n === 'E') return void (this.i += 2); // stray \E is ignored by RE2
    if (n === 'x' || n === '0') return this.emitAtom(this.codeEscape(), 0);
    if (/[A-Za-z0-9]/.test(n)) throw invalid(`invalid escape sequence \\${n}`);
    this.literal(n, 2);
  }

  private anchor(text: string): void {
    this.out += text;
    this.atom = null;
    this.i += 2;
  }

  /** \xHH, \x{H…}, \0oo → a JS escape (BMP only: patterns match latin1 header bytes). */
  private codeEscape(): string {
    const m = /^\\(?:x\{([0-9A-Fa-f]{1,6})\}|x([0-9A-Fa-f]{2})|0([0-7]{0,2}))/.exec(this.p.slice(this.i));
    if (!m) throw invalid(`invalid escape sequence ${this.p.slice(this.i, this.i + 4)}`);
    this.i += m[0].length;
    const code = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 16) : parseInt(m[3] || '0', 8);
    if (code > 0xffff) throw unsupported('code points above U+FFFF are not supported');
    const ch = String.fromCharCode(code);
    if (this.frame.fold && isLetter(ch)) return `[${ch}${swapCase(ch)}]`;
    return `\\u${code.toString(16).padStart(4, '0')}`;
  }

  private charClass(): void {
    const p = this.p;
    let j = this.i + 1;
    const negated = p[j] === '^';
    if (negated) j++;
    let body = '';
    const letters: [number, number][] = [];
    let first = true;
    for (;;) {
      if (j >= p.length) throw invalid('missing closing ]');
      if (p[j] === ']' && !first) break;
      first = false;
      if (p.startsWith('[:', j)) {
        const end = p.indexOf(':]', j + 2);
        const name = end < 0 ? '' : p.slice(j + 2, end);
        const neg = name.startsWith('^');
        const cls = POSIX[neg ? name.slice(1) : name];
        if (!cls) throw invalid(`invalid character class ${p.slice(j, end + 2)}`);
        if (neg) throw unsupported('negated POSIX classes ([[:^name:]]) are not supported');
        body += cls;
        if (this.frame.fold && (name === 'lower' || name === 'upper')) body += name === 'lower' ? 'A-Z' : 'a-z';
        j = end + 2;
        continue;
      }
      const [lo, lenLo] = this.classChar(j);
      j += lenLo;
      if (p[j] === '-' && p[j + 1] !== ']' && j + 1 < p.length) {
        const [hi, lenHi] = this.classChar(j + 1);
        if (lo.code < 0 || hi.code < 0) throw invalid('a class escape cannot bound a range');
        if (hi.code < lo.code) throw invalid(`invalid range ${p.slice(j - lenLo, j + 1 + lenHi)}`);
        body += `${lo.text}-${hi.text}`;
        letters.push([lo.code, hi.code]);
        j += 1 + lenHi;
      } else {
        body += lo.text;
        if (lo.code >= 0) letters.push([lo.code, lo.code]);
      }
    }
    if (this.frame.fold) body += foldRanges(letters);
    this.emitAtom(`[${negated ? '^' : ''}${body}]`, j + 1 - this.i);
  }

  /** One class member at `j`: its JS text, its code (-1 for \d-like escapes) and its length. */
  private classChar(j: number): [{ text: string; code: number }, number] {
    const p = this.p;
    const c = p[j];
    if (c !== '\\') return [{ text: /[\\\]^-]/.test(c) ? `\\${c}` : c, code: c.charCodeAt(0) }, 1];
    const n = p[j + 1];
    if (n === undefined) throw invalid('trailing backslash');
    if (CLASS_ESCAPES.includes(n)) return [{ text: `\\${n}`, code: -1 }, 2];
    if (n === 'p' || n === 'P') throw unsupported('Unicode classes (\\p, \\P) are not supported; use an explicit class');
    if (n in SIMPLE_ESCAPES) return [{ text: SIMPLE_ESCAPES[n], code: ({ a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 } as Record<string, number>)[n] }, 2];
    if (n === 'x' || n === '0') {
      const save = this.i;
      this.i = j;
      const fold = this.frame.fold;
      this.frame.fold = false; // folding of class members happens once, over ranges
      const text = this.codeEscape();
      this.frame.fold = fold;
      const len = this.i - j;
      this.i = save;
      return [{ text, code: parseInt(text.slice(2), 16) }, len];
    }
    if (/[A-Za-z0-9]/.test(n)) throw invalid(`invalid escape sequence \\${n} in a class`);
    return [{ text: `\\${n}`, code: n.charCodeAt(0) }, 2];
  }

  private openGroup(): void {
    const p = this.p;
    const rest = p.slice(this.i);
    let capturing = true;
    let name = '';
    let advance = 1;
    let fold = this.frame.fold;
    let dotAll = this.frame.dotAll;
    if (rest.startsWith('(?')) {
      if (/^\(\?(=|!|<=|<!)/.test(rest)) throw unsupported('lookaround ((?=, (?!, (?<=, (?<!) is not RE2 syntax');
      if (rest.startsWith('(?P=')) throw unsupported('named backreferences are not RE2 syntax');
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      const flags = /^\(\?([A-Za-z]*)(?:-([A-Za-z]*))?(:|\))/.exec(rest);
      if (named) {
        name = named[1];
        advance = named[0].length;
      } else if (flags) {
        for (const f of flags[1] + (flags[2] ?? '')) {
          if (f === 'm') throw unsupported('multi-line mode (?m) is not supported');
          if (f === 'U') throw unsupported('ungreedy mode (?U) is not supported; use lazy quantifiers such as *?');
          if (f !== 'i' && f !== 's') throw invalid(`invalid flag '${f}' in ${flags[0]}`);
        }
        const on = (f: string) => (flags[1].includes(f) ? true : (flags[2] ?? '').includes(f) ? false : undefined);
        fold = on('i') ?? fold;
        dotAll = on('s') ?? dotAll;
        if (flags[3] === ')') {
          // (?i) applies to the rest of the enclosing group.
          this.frame.fold = fold;
          this.frame.dotAll = dotAll;
          this.i += flags[0].length;
          return;
        }
        capturing = false;
        advance = flags[0].length;
      } else {
        throw invalid(`invalid group syntax ${rest.slice(0, 4)}`);
      }
    }
    this.stack.push(this.frame);
    this.frame = { start: this.out.length, capturing, hasCapture: false, fold, dotAll };
    if (capturing) this.groups++;
    this.out += capturing ? (name ? `(?<${name}>` : '(') : '(?:';
    this.atom = null;
    this.i += advance;
  }

  private closeGroup(): void {
    const done = this.frame;
    const parent = this.stack.pop();
    if (!parent) throw invalid('unexpected )');
    this.frame = parent;
    this.out += ')';
    const hasCapture = done.capturing || done.hasCapture;
    if (hasCapture) parent.hasCapture = true;
    this.atom = { start: done.start, hasCapture };
    this.i++;
  }

  private braces(): void {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i))!;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) throw invalid(`bad repetition operator ${m[0]}: RE2 allows at most ${MAX_REPEAT}`);
    if (max < min) throw invalid(`bad repetition operator ${m[0]}`);
    this.quantifier(min, max, m[0].length);
  }

  private quantifier(min: number, max: number, length: number): void {
    const atom = this.atom;
    const opText = this.p.slice(this.i, this.i + length);
    if (atom === null) throw invalid(`missing argument to repetition operator ${opText}`);
    let j = this.i + length;
    const lazy = this.p[j] === '?';
    if (lazy) j++;
    if (this.p[j] === '+' || this.p[j] === '*' || (this.p[j] === '?' && !lazy)) throw invalid(`bad repetition operator ${this.p.slice(this.i, j + 1)}`);
    this.i = j;
    this.atom = null; // RE2 refuses a repetition of a repetition
    const text = this.out.slice(atom.start);
    const braces = length > 1 || (min !== 0 && min !== 1) || (max !== 1 && max !== Infinity);
    if (!braces || atom.hasCapture) {
      this.out += opText + (lazy ? '?' : '');
      return;
    }
    // Expand counted repetition of capture-free atoms: V8's linear-time engine refuses counts whose
    // product exceeds 16, while the expanded text is the same automaton RE2 builds.
    let expanded = text.repeat(min);
    if (max === Infinity) expanded += `(?:${text})*${lazy ? '?' : ''}`;
    else {
      let tail = '';
      for (let k = min; k < max; k++) tail = `(?:${text}${tail})?${lazy ? '?' : ''}`;
      expanded += tail;
    }
    if (expanded.length > MAX_JS_SOURCE) throw unsupported('counted repetitions expand beyond what Weft runs in linear time; use smaller counts');
    this.out = this.out.slice(0, atom.start) + (expanded === '' ? '(?:)' : `(?:${expanded})`);
  }
}

/** Adds the other case of every ASCII letter in `ranges` (RE2's (?i) over a class). */
function foldRanges(ranges: readonly [number, number][]): string {
  let extra = '';
  const add = (lo: number, hi: number, from: number, to: number, delta: number) => {
    const a = Math.max(lo, from);
    const b = Math.min(hi, to);
    if (a <= b) extra += a === b ? String.fromCharCode(a + delta) : `${String.fromCharCode(a + delta)}-${String.fromCharCode(b + delta)}`;
  };
  for (const [lo, hi] of ranges) {
    add(lo, hi, 97, 122, -32);
    add(lo, hi, 65, 90, 32);
  }
  return extra;
}

export interface CompiledRe2 {
  /** Matches the whole input, like RE2::FullMatch (Envoy's safe_regex semantics). */
  readonly full: RegExp;
  /** Finds every occurrence, like RE2::GlobalReplace. */
  readonly global: RegExp;
  readonly groups: number;
}

export type Re2Check = { readonly ok: true; readonly compiled: CompiledRe2 } | { readonly ok: false; readonly unsupported: boolean; readonly reason: string };

/** Validates and compiles; the single entry point both the config checks and the router use. */
export function compileRe2(pattern: string): Re2Check {
  const t = translateRe2(pattern);
  if (!t.ok) return t;
  const fullSource = `^(?:${t.source})$`;
  try {
    new RegExp(fullSource, LINEAR_ENGINE ? 'l' : '');
  } catch (e) {
    const msg = String((e as Error).message).replace(/^Invalid regular expression: \/.*\/\w*: /s, '');
    if (/linear time/.test(msg)) {
      return { ok: false, unsupported: true, reason: 'pattern cannot run in linear time (counted repetition of a capturing group above 16?); use (?:…) or smaller counts' };
    }
    return { ok: false, unsupported: false, reason: `invalid regex: ${msg}` };
  }
  return { ok: true, compiled: { full: new RegExp(fullSource), global: new RegExp(t.source, 'g'), groups: t.groups } };
}

export type Re2Substitution = { readonly ok: true; readonly parts: readonly (string | number)[] } | { readonly ok: false; readonly reason: string };

/** Parses an RE2 rewrite string (`\1`…`\9` are groups, `\\` is a backslash). */
export function parseRe2Substitution(substitution: string, groups: number): Re2Substitution {
  const parts: (string | number)[] = [];
  let lit = '';
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i];
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = substitution[++i];
    if (n === '\\') lit += '\\';
    else if (n !== undefined && n >= '0' && n <= '9') {
      const g = Number(n);
      if (g > groups) return { ok: false, reason: `substitution uses \\${g} but the pattern has ${groups} capture group${groups === 1 ? '' : 's'}` };
      if (lit) parts.push(lit);
      lit = '';
      parts.push(g);
    } else return { ok: false, reason: `invalid rewrite escape \\${n ?? ''}: use \\0…\\9 for groups and \\\\ for a backslash` };
  }
  if (lit) parts.push(lit);
  return { ok: true, parts };
}
