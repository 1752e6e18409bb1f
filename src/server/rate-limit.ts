import { GraphQLError } from 'graphql';

export interface RateLimitConfig {
  /** Sustained requests per second per principal; 0 turns limiting off. */
  perSecond: number;
  /** Bucket size: how many requests a principal may send at once after being idle. */
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per principal (API key name or JWT subject), per instance. Behind a load balancer
 * with N instances a key gets up to N times the rate; see docs/scaling.md.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly config: RateLimitConfig, private readonly now: () => number = () => performance.now()) {}

  /** Takes one token; returns 0 when allowed, else the seconds to wait before the next token. */
  take(key: string): number {
    if (this.config.perSecond <= 0) return 0;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.config.burst, updatedAt: now };
    bucket.tokens = Math.min(this.config.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.config.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.config.perSecond));
  }

  /** Throws RATE_LIMITED (HTTP 429 with Retry-After) when the principal's bucket is empty. */
  enforce(key: string): void {
    const retryAfter = this.take(key);
    if (retryAfter > 0) throw rateLimited(retryAfter);
  }
}

export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Rate limit exceeded; retry after ${retryAfterSeconds} s.`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}
