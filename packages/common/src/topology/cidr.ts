import { isIPv4, isIPv6 } from 'node:net';

/** An address range: the first address as a number, and how many leading bits are fixed. */
export interface Cidr {
  text: string;
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(address: string): bigint {
  let text = address;
  // A trailing dotted quad ("::ffff:1.2.3.4") is two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad?.[1]) {
    const v4 = ipv4Value(quad[1]);
    text = `${text.slice(0, -quad[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** An address as its family and numeric value; IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4. */
export function addressValue(address: string): { family: 4 | 6; value: bigint } | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return { family: 4, value: ipv4Value(bare) };
  if (!isIPv6(bare)) return null;
  const value = ipv6Value(bare.replace(/%.*$/, ''));
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** "127.1.0.0/16", "fd00:eu::/48" → a Cidr, or a message saying what is wrong. */
export function parseCidr(text: string): Cidr | string {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const parsed = addressValue(address);
  if (!parsed || extra !== undefined) {
    return `"${text}" is not an address range; write it like 127.1.0.0/16 or fd00:1::/48`;
  }
  const bits = BITS[parsed.family];
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || prefixText === '') {
    return `"${text}": the prefix length must be a whole number from 0 to ${bits}`;
  }
  const hostBits = BigInt(bits - prefix);
  const base = (parsed.value >> hostBits) << hostBits;
  return { text: text.trim(), family: parsed.family, base, prefix };
}

export function cidrContains(cidr: Cidr, family: 4 | 6, value: bigint): boolean {
  if (cidr.family !== family) return false;
  const hostBits = BigInt(BITS[family] - cidr.prefix);
  return value >> hostBits === cidr.base >> hostBits;
}

/** The address `offset` places after the range's first one (IPv4 only: the lab's own ranges). */
export function ipv4At(cidr: Cidr, offset: number): string {
  const value = cidr.base + BigInt(offset);
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}
