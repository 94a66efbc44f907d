// Failed admin sign-ins, throttled with rate-limiter-flexible (its documented login-protection
// pattern): consecutive failures per (account, address) block that pair quickly, so a typo storm
// from one desk locks out neither the account elsewhere nor other admins at the same address; a much
// higher daily ceiling per address stops one address spraying many accounts. A success clears the
// pair. (In a cluster the same limiters run on rate-limiter-flexible's Redis backend.)
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface SignInThrottleOptions {
  /** Consecutive failures per (account, address) before a block. */
  failuresPerAccountAndAddress: number;
  /** Failures per address per day, any account. */
  failuresPerAddressPerDay: number;
  blockSeconds: number;
}

export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottleOptions = { failuresPerAccountAndAddress: 5, failuresPerAddressPerDay: 100, blockSeconds: 900 };

export class SignInThrottle {
  private readonly byPair: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;
  /** Sign-ins refused while blocked (a metric). */
  refusals = 0;

  constructor(options: SignInThrottleOptions = DEFAULT_SIGN_IN_THROTTLE) {
    this.byPair = new RateLimiterMemory({ keyPrefix: 'admin-pair', points: options.failuresPerAccountAndAddress, duration: options.blockSeconds, blockDuration: options.blockSeconds });
    this.byAddress = new RateLimiterMemory({ keyPrefix: 'admin-ip', points: options.failuresPerAddressPerDay, duration: 86_400, blockDuration: options.blockSeconds });
  }

  /** Seconds until the next attempt is allowed, or 0 when it is allowed now. */
  async retryAfter(name: string, address: string): Promise<number> {
    const [pair, ip] = await Promise.all([this.byPair.get(pairKey(name, address)), this.byAddress.get(address)]);
    const waits = [
      [pair, this.byPair.points],
      [ip, this.byAddress.points],
    ]
      .filter(([res, points]) => res instanceof RateLimiterRes && res.consumedPoints >= (points as number))
      .map(([res]) => Math.max(1, Math.ceil((res as RateLimiterRes).msBeforeNext / 1000)));
    if (waits.length) this.refusals++;
    return waits.length ? Math.max(...waits) : 0;
  }

  async failed(name: string, address: string): Promise<void> {
    // consume() rejects once the points are spent; the block it starts is what retryAfter reads.
    await Promise.allSettled([this.byPair.consume(pairKey(name, address)), this.byAddress.consume(address)]);
  }

  async succeeded(name: string, address: string): Promise<void> {
    await this.byPair.delete(pairKey(name, address));
  }
}

const pairKey = (name: string, address: string) => `${name}|${address}`;
