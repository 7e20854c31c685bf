/** A search query once checked: what repositories turn into SQL (see services/search-query.ts). */
export type FilterKind = 'strings' | 'string' | 'boolean';
export type FilterValue = string[] | string | boolean;
export interface Filter<N extends string = string> {
  name: N;
  value: FilterValue;
}
export interface ParsedQuery<N extends string = string> {
  operator: 'AND' | 'OR';
  filters: Filter<N>[];
}
