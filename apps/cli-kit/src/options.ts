/**
 * Option values from their command-line text, each refusal a UsageError that names the option, what it takes
 * and what it got.
 */
import { UsageError } from './usage-error.js';

/** A positive integer option (or >= `min`). */
export function intOption(name: string, raw: string, min = 1): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return v;
}

/** A number option in [lo, hi] (hi excluded when `openHigh`). */
export function numberOption(name: string, raw: string, lo: number, hi: number, openHigh = false): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < lo || (openHigh ? v >= hi : v > hi)) {
    throw new UsageError(`--${name} must be a number in [${lo}, ${hi}${openHigh ? ')' : ']'}, got '${raw}'`);
  }
  return v;
}

/** One of a fixed set of words (a metric, an alignment, a backend). */
export function choiceOption<T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${raw}'`);
  return raw as T;
}

/**
 * Refuses options that the command does not take: every option given (value not undefined) must be in the
 * command's list or in `common` (those every command takes, e.g. --json, --help).
 */
export function rejectForeignOptions(values: Record<string, unknown>, command: string, allowed: readonly string[], common: readonly string[]): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && !common.includes(key) && !allowed.includes(key)) throw new UsageError(`--${key} does not apply to '${command}'`);
  }
}
