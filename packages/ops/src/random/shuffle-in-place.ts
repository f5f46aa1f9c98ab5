/**
 * Fisher-Yates shuffle of `array` in place, drawing from `random` (uniform in [0, 1), e.g. `mulberry32(seed)`):
 * for i from n − 1 down to 1, swap item i with item ⌊random()·(i + 1)⌋. Draws n − 1 numbers; returns `array`.
 */
export function shuffleInPlace<T>(array: T[], random: () => number): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = array[i]!;
    array[i] = array[j]!;
    array[j] = tmp;
  }
  return array;
}
