/**
 * The confusion matrix as text for terminals (train and eval print it). The generic command-line helpers
 * (usage errors, options, paths, pictures) are in @cnn/cli-kit.
 */

/** The confusion matrix as a text table (rows true, columns predicted), for terminals; labels cut to 8 characters. */
export function formatConfusionMatrix(matrix: readonly (readonly number[])[], labels: readonly string[]): string {
  const short = labels.map((l) => (l.length > 8 ? `${l.slice(0, 7)}~` : l));
  const width = Math.max(4, ...short.map((l) => l.length), ...matrix.flat().map((v) => String(v).length));
  const labelWidth = Math.max(10, ...short.map((l) => l.length));
  const header = `${'true \\ pred'.padEnd(labelWidth + 1)}${short.map((l) => l.padStart(width + 1)).join('')}`;
  const rows = matrix.map((row, i) => `${(short[i] ?? String(i)).padEnd(labelWidth + 1)}${row.map((v) => String(v).padStart(width + 1)).join('')}`);
  return [header, ...rows].join('\n');
}
