// kubectl's table look: upper-case headers, columns padded to the widest cell plus three
// spaces (Go's tabwriter with padding 3), no trailing spaces.

export function columnWidths(header: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
}

export function renderLine(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
}

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columnWidths(header, rows);
  return [renderLine(header, widths), ...rows.map((r) => renderLine(r, widths))].join('\n') + '\n';
}
