import { isIP } from 'node:net';

export interface ServerEntry {
  /** An IP address or a DNS name that may expand to several addresses. */
  host: string;
  port: number;
  line: number;
}

export interface ServersFileProblem {
  line: number;
  text: string;
  reason: string;
}

export interface ServersFile {
  entries: ServerEntry[];
  problems: ServersFileProblem[];
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
function splitHostPort(text: string): { host: string; portText: string | null } | string {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return 'an IPv6 address opened with "[" must close with "]"';
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return 'expected ":port" after "]"';
    return { host: text.slice(1, close), portText: rest === '' ? null : rest.slice(1) };
  }
  if (isIP(text) === 6) return { host: text, portText: null };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, portText: null };
  if (text.indexOf(':') !== colon) return 'an IPv6 address with a port must be written [addr]:port';
  return { host: text.slice(0, colon), portText: text.slice(colon + 1) };
}

function parseLine(text: string, defaultPort: number): { host: string; port: number } | string {
  const split = splitHostPort(text);
  if (typeof split === 'string') return split;
  const { host, portText } = split;
  if (text.startsWith('[') && isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  if (isIP(host) === 0 && !HOSTNAME.test(host))
    return `"${host}" is not an IP address or host name`;
  if (portText === null) return { host, port: defaultPort };
  const port = parsePort(portText);
  return port === null ? `"${portText}" is not a port (1-65535)` : { host, port };
}

/**
 * Reads servers.txt: one replica a line as `host`, `host:port`, IPv4, `[IPv6]:port` or a DNS
 * name. A line without a port uses `defaultPort` (the original used the balancer's own port).
 * Blank lines and `#` comments are skipped; a bad line becomes a problem and the rest load.
 */
export function parseServersFile(text: string, defaultPort: number): ServersFile {
  const entries: ServerEntry[] = [];
  const problems: ServersFileProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/#.*/, '').trim();
    if (content === '') return;
    if (/\s/.test(content)) {
      problems.push({ line, text: raw, reason: 'one server a line; found spaces inside' });
      return;
    }
    const parsed = parseLine(content, defaultPort);
    if (typeof parsed === 'string') problems.push({ line, text: raw, reason: parsed });
    else entries.push({ ...parsed, line });
  });
  return { entries, problems };
}
