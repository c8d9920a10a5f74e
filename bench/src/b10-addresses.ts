/**
 * B10's replica addresses: 127.10.x.y, every one on the same port, all answered by one
 * responder process (every 127.0.0.0/8 address is local on Linux without any setup).
 */
export const B10_REGIONS = ['eu', 'us', 'ap'] as const;

/** The i-th address (0-based): 127.10.0.1 … 127.10.0.250, 127.10.1.1 … */
export function b10Address(index: number): string {
  return `127.10.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/** The region the i-th address reports in its pongs: eu, us, ap, eu … */
export function b10Region(index: number): string {
  return B10_REGIONS[index % B10_REGIONS.length] as string;
}
