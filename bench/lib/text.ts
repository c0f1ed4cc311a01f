/** Message bodies of a chosen size, JSON-safe so frames can be built by string concatenation. */
const FILLER =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ';

export function filler(bytes: number): string {
  let s = '';
  while (s.length < bytes) s += FILLER;
  return s.slice(0, Math.max(0, bytes));
}
