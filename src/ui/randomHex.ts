/**
 * `bytes` random bytes from the platform's generator as hex digits: ids
 * (a tab's contributor id, a learner's, a new class run's name), not part
 * of any experiment, whose randomness is seeded. `getRandomValues` works
 * outside a secure context too (a classroom server on plain http).
 */
export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}
