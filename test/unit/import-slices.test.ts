import { nextSliceLines } from '../../src/services/member-import/processing';

describe('member import slice sizes', () => {
  it.each([
    ['a slice that took a second keeps its size', 5000, 1000, 5000],
    ['a slice that took two seconds halves', 5000, 2000, 2500],
    ['a slice that took half a second doubles', 2000, 500, 4000],
    ['a very quick slice grows at most fourfold', 2000, 10, 8000],
    ['a very slow slice shrinks no lower than 500 lines', 2000, 60_000, 500],
    ['an instant slice (0 ms) still grows at most fourfold', 1000, 0, 4000],
  ])('%s', (_case, lines, elapsedMs, next) => {
    expect(nextSliceLines(lines, elapsedMs)).toBe(next);
  });
});
