// Header lists as the proxy carries them: one flat array [name0, value0, name1, value1, ...].
// Names are lower-case (HTTP/2 requires it; Envoy lower-cases HTTP/1 names too), values are
// kept byte-for-byte (latin1 strings). A flat array keeps order and duplicates and costs one
// allocation per message, which matters on the per-request path.

export type HeaderList = string[];

/** First value of `name` (lower-case), or undefined. */
export function getHeader(headers: HeaderList, name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) return headers[i + 1];
  }
  return undefined;
}

/** Removes every occurrence of `name`; returns how many were removed. */
export function removeHeader(headers: HeaderList, name: string): number {
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    if (headers[r] === name) continue;
    headers[w] = headers[r];
    headers[w + 1] = headers[r + 1];
    w += 2;
  }
  const removed = (headers.length - w) / 2;
  headers.length = w;
  return removed;
}

/** Replaces all values of `name` with one value (appends when absent). */
export function setHeader(headers: HeaderList, name: string, value: string): void {
  removeHeader(headers, name);
  headers.push(name, value);
}
