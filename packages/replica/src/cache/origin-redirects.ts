/**
 * Which redirects from the origin the replica follows. `off`: none, a redirect is an origin
 * error (HTTP 502). `same-origin`: only those to the same scheme, host and port as the URL
 * first asked, so an open redirect on the origin cannot send the replica to another server.
 */
export const ORIGIN_REDIRECT_POLICIES = ['off', 'same-origin'] as const;

export type OriginRedirectPolicy = (typeof ORIGIN_REDIRECT_POLICIES)[number];

export function isOriginRedirectPolicy(value: string): value is OriginRedirectPolicy {
  return (ORIGIN_REDIRECT_POLICIES as readonly string[]).includes(value);
}

/** Redirects followed for one fetch under `same-origin`, before it counts as a loop. */
export const MAX_ORIGIN_REDIRECTS = 5;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export type RedirectDecision =
  /** Not a redirect: this response is the origin's answer. */
  { kind: 'answer' } | { kind: 'follow'; url: string } | { kind: 'refuse'; reason: string };

export interface OriginAnswerHead {
  status: number;
  location: string | null;
}

/** Where a fetch is: the URL it started from, the one just asked, and redirects followed. */
export interface RedirectChain {
  first: string;
  current: string;
  hops: number;
}

/** What to do with an origin answer in `chain`. Pure: no I/O, so every case is a unit test. */
export function redirectDecision(
  policy: OriginRedirectPolicy,
  chain: RedirectChain,
  answer: OriginAnswerHead,
): RedirectDecision {
  const { status, location } = answer;
  if (!REDIRECT_STATUSES.has(status) || location === null) return { kind: 'answer' };
  if (policy === 'off') {
    return {
      kind: 'refuse',
      reason: `the origin answered ${status}, a redirect, and --origin-redirects is off`,
    };
  }
  if (chain.hops >= MAX_ORIGIN_REDIRECTS) {
    return {
      kind: 'refuse',
      reason: `the origin redirected more than ${MAX_ORIGIN_REDIRECTS} times`,
    };
  }
  let target: URL;
  try {
    target = new URL(location, chain.current);
  } catch {
    return { kind: 'refuse', reason: `the origin answered ${status} with an unusable Location` };
  }
  if (target.origin !== new URL(chain.first).origin) {
    return {
      kind: 'refuse',
      reason:
        `the origin answered ${status}, a redirect to another scheme, host or port, ` +
        'which is never followed',
    };
  }
  target.hash = '';
  return { kind: 'follow', url: target.href };
}
