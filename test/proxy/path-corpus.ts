// The A4 corpus (RELIABILITY.md): request targets that try to reach something outside /public/
// while looking like they are under it — dot segments in every spelling, escaped and doubled
// separators, backslashes, path parameters, overlong UTF-8, NULs, fragments, case tricks.

const DOTS = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%2E%2e', '%252e%252e', '%c0%ae%c0%ae', '%e0%80%ae%e0%80%ae', '..;', '..%00', '.%u002e'];
const SEPS = ['/', '%2f', '%2F', '%5c', '%5C', '\\', '//', '%252f', '/./', ';/', '%c0%af'];
const TARGETS = ['admin', 'private/keys'];

/** Every variant once, in a stable order. */
export function pathCorpus(): string[] {
  const out = new Set<string>();
  for (const d of DOTS) {
    for (const s of SEPS) {
      out.add(`/public${s}${d}${s}${TARGETS[0]}`);
      out.add(`/public/${d}${s}${TARGETS[1]}`);
    }
  }
  for (const d of DOTS) {
    out.add(`/public/a/${d}/${d}/admin`);
    out.add(`/public/${d}`);
    out.add(`/${d}/public/../admin`);
  }
  for (const extra of [
    '/public/', '/public/ok', '/public/a/../b', '/public/./x', '/public//x', '/%70ublic/x', '/%70%75%62%6c%69%63/x', '/PUBLIC/x', '/Public/../admin',
    '/public', '/public/..', '/public/../', '/public/../public/x', '/public/../public/../admin', '/public#/../admin', '/public/x#frag',
    '/public/%2e%2e%2fadmin', '/public/%2E%2E%2Fadmin', '/public/%2E%2E%5Cadmin', '/public/x?next=/../admin', '/public/..?/admin',
    '//public/../admin', '///public/x', '/./public/x', '/public/%00/x', '/public/%0a/../admin', '/public/%ff/../admin', '/public/%zz/../admin',
    '/public/%2', '/admin', '/admin/../public/x', '/public%2f..%2fadmin', '/public%2F%2E%2E%2Fadmin', '/public/%252e%252e/admin',
    '/public/.%2e/admin', '/public/%2e/admin', '/public/...', '/public/.../admin', '/public/;/../admin', '/public;/../admin', '/public/x;y=../../admin',
    '/public/\\..\\admin', '/public\\..\\admin', '/public/%5c..%5cadmin', '/public/%c0%ae%c0%ae/admin', '/public/%c1%9c../admin',
    '/public/%e2%80%ae/x', '/public/%C3%A9', '/public/%c3%a9/../../admin',
  ]) out.add(extra);
  return [...out];
}
