/** Plain-text renderings of API objects for a terminal: aligned columns, no colour, one value per cell. */

/** A cell's text: absent values are "-", lists are comma-separated, objects are compact JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(',');
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof value === 'object') return JSON.stringify(value);
  // A line break inside a cell would break the table's rows apart.
  return String(value).replace(/[\r\n\t]+/g, ' ');
}

/** Rows under a header, columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(header: readonly string[], rows: readonly unknown[][]): string {
  const cells = [header.map(String), ...rows.map((row) => row.map(cell))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) => row.map((text, i) => (i === row.length - 1 ? text : text.padEnd(widths[i]))).join('  '))
    .join('\n')
    .concat('\n');
}

/** One "name  value" line per field, names padded to the longest. */
export function fields(entries: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(0, ...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${name.padEnd(width)}  ${cell(value)}`).join('\n') + '\n';
}

/** How far a listing got: "3 of 57 jobs", and how to ask for the next page when there is one. */
export function pageSummary(shown: number, total: number, noun: string, nextCursor: string | null | undefined): string {
  const more = nextCursor ? `; next page: --cursor ${nextCursor}` : '';
  return `${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${noun}${more}\n`;
}
