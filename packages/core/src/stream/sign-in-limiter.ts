// Failed sign-in throttling (design.md §7, issue #7 §4). A contact centre puts hundreds of agents
// behind one NAT address, so locking an address after a handful of typos locks every agent out:
// failures are counted per (address, username) — the pair is locked after `authFailuresPerUser` —
// with a much higher ceiling per address (`authFailuresPerAddress`) against password spraying. Both
// are rate-limiter-flexible limiters behind this small interface, so that the cluster can pass
// RateLimiterRedis instances (one count for every node) instead of the in-memory ones.
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface SignInLimiter {
  /** Whether `address` may try to sign in at all (under the per-address ceiling). */
  isAddressAllowed(address: string): Promise<boolean>;
  /** Whether `username` may try to sign in from `address` (its pair is not locked, nor the address). */
  isAllowed(address: string, username: string): Promise<boolean>;
  /** A wrong password: counts against the pair and the address. */
  recordFailure(address: string, username: string): Promise<void>;
  /** A successful sign-in clears the pair's count (the address ceiling keeps counting). */
  recordSuccess(address: string, username: string): Promise<void>;
}

export interface SignInLimits {
  authFailuresPerUser: number;
  authFailuresPerAddress: number;
  authLockoutSeconds: number;
}

/** The two counters; any RateLimiterAbstract (memory, Redis) works. */
export interface SignInCounters {
  perUser: RateLimiterAbstract;
  perAddress: RateLimiterAbstract;
}

export function memorySignInCounters(limits: SignInLimits): SignInCounters {
  const window = { duration: limits.authLockoutSeconds, blockDuration: limits.authLockoutSeconds };
  return {
    perUser: new RateLimiterMemory({ keyPrefix: 'sign-in-user', points: limits.authFailuresPerUser, ...window }),
    perAddress: new RateLimiterMemory({ keyPrefix: 'sign-in-address', points: limits.authFailuresPerAddress, ...window }),
  };
}

export class RateLimitedSignIns implements SignInLimiter {
  constructor(private readonly counters: SignInCounters) {}

  async isAddressAllowed(address: string): Promise<boolean> {
    return !isSpent(this.counters.perAddress, await this.counters.perAddress.get(address));
  }

  async isAllowed(address: string, username: string): Promise<boolean> {
    const { perUser } = this.counters;
    return !isSpent(perUser, await perUser.get(pairKey(address, username))) && (await this.isAddressAllowed(address));
  }

  async recordFailure(address: string, username: string): Promise<void> {
    // consume() rejects once the points are spent; being over the limit is the expected outcome here.
    await Promise.all([this.counters.perUser.consume(pairKey(address, username)).catch(spent), this.counters.perAddress.consume(address).catch(spent)]);
  }

  async recordSuccess(address: string, username: string): Promise<void> {
    await this.counters.perUser.delete(pairKey(address, username));
  }
}

/** NUL cannot occur in an address or a prepared username, so the pair key is unambiguous. */
const pairKey = (address: string, username: string) => `${address}\u0000${username}`;

const isSpent = (limiter: RateLimiterAbstract, res: { consumedPoints: number } | null) => res !== null && res.consumedPoints >= limiter.points;

/** A rejection carrying a RateLimiterRes is "no points left"; anything else (a store failure) propagates. */
function spent(reason: unknown): void {
  if (reason instanceof Error) throw reason;
}
