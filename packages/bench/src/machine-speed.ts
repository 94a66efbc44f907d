// How fast this machine runs a fixed piece of JavaScript right now. The same work takes the same
// time on the same machine unless something outside the run slows it (the VM's host, CPU
// frequency, other processes): timed before each step, it tells a slow server from a slow machine.
// This one has phases in which everything runs slower (docs/performance.md).

/** Milliseconds the fixed work takes: the least of `rounds` timings, so that one pause does not count. */
export function fixedWorkMs(rounds = 3, iterations = 300_000): number {
  const result = expected(iterations);
  let least = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    const computed = work(iterations);
    const ms = performance.now() - start;
    // The result is used, so that the work cannot be optimised away.
    if (computed !== result) throw new Error('the fixed work computed a wrong result');
    least = Math.min(least, ms);
  }
  return least;
}

/** What an event loop does, in small: short-lived objects and strings, and a map read and written. */
function work(iterations: number): number {
  const counts = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < iterations; i++) {
    const item = { key: `k${i & 1023}`, value: i };
    counts.set(item.key, (counts.get(item.key) ?? 0) + (item.value & 7));
    total = (total + item.value) | 0;
  }
  return total + counts.size;
}

/** work()'s result, computed the short way. */
function expected(iterations: number): number {
  let total = 0;
  for (let i = 0; i < iterations; i++) total = (total + i) | 0;
  return total + Math.min(iterations, 1024);
}
