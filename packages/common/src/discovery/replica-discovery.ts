import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { UserError } from '../config/user-error.js';
import { endpointId } from '../endpoint.js';
import type { Logger } from '../logging/logger.js';
import { parseServersFile, type ServerEntry, type ServersFileProblem } from '../servers-file.js';

/** One replica address, after DNS names have been expanded. */
export interface DiscoveredReplica {
  id: string;
  /** An IP address. */
  host: string;
  port: number;
  /** The host as written in the servers file (a name, or the same address). */
  name: string;
  line: number;
}

export interface ReplicaSetChange {
  added: DiscoveredReplica[];
  removed: DiscoveredReplica[];
  replicas: DiscoveredReplica[];
}

/** All addresses of a name, IPv4 and IPv6. */
export type ResolveAll = (name: string) => Promise<string[]>;

export interface DiscoveryOptions {
  serversFile: string;
  /** Port for lines without one (the original used the balancer's own port). */
  defaultPort: number;
  reloadIntervalMs: number;
  log: Logger;
  /** One human line for the terminal (bad lines, DNS failures). */
  say?: (line: string) => void;
  resolve?: ResolveAll;
  /**
   * What the file lists, for its messages and log events: the balancer's servers file lists
   * replicas (the default), a replica's parents file lists parents.
   */
  words?: DiscoveryWords;
}

export interface DiscoveryWords {
  /** One listed thing: `replica`, `parent`; log events are `<noun>-added`, `<noun>-removed`. */
  noun: string;
  /** The file's name in messages: `servers file`, `parents file`. */
  file: string;
}

const REPLICA_WORDS: DiscoveryWords = { noun: 'replica', file: 'servers file' };

const resolveWithDns: ResolveAll = async (name) =>
  (await lookup(name, { all: true })).map((entry) => entry.address);

/**
 * Knows the replica set: reads the servers file, expands DNS names into one replica per
 * address, and re-reads and re-resolves every reload interval, emitting `replicas` with what
 * changed (the first load counts as a change when it finds any replica).
 */
export class Discovery extends EventEmitter<{ replicas: [ReplicaSetChange] }> {
  private readonly current = new Map<string, DiscoveredReplica>();
  /** Last good answer per name, kept while a later lookup fails. */
  private readonly lastAddresses = new Map<string, string[]>();
  private readonly reportedProblems = new Set<string>();
  private readonly reportedDnsFailures = new Map<string, string>();
  private fileUnreadableReported = false;
  /** An earlier read found no replica and was not believed yet (see load). */
  private emptyReadHeld = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly resolve: ResolveAll;
  private readonly words: DiscoveryWords;

  constructor(private readonly options: DiscoveryOptions) {
    super();
    this.resolve = options.resolve ?? resolveWithDns;
    this.words = options.words ?? REPLICA_WORDS;
  }

  /** `servers-file`, `parents-file`: the start of the file's log events. */
  private get fileEvent(): string {
    return this.words.file.replaceAll(' ', '-');
  }

  get replicas(): DiscoveredReplica[] {
    return [...this.current.values()];
  }

  /** First load; a missing or unreadable file is a UserError, an empty one only a warning. */
  async start(): Promise<DiscoveredReplica[]> {
    const text = await this.readServersFile().catch((error: NodeJS.ErrnoException) => {
      throw new UserError(describeReadError(this.options.serversFile, error, this.words));
    });
    const entryCount = await this.load(text);
    if (entryCount === 0) {
      const { serversFile } = this.options;
      this.options.log.warn(
        { event: `${this.fileEvent}-empty`, file: serversFile },
        `the ${this.words.file} lists no ${this.words.noun}; add lines to it while running`,
      );
      this.options.say?.(
        `${serversFile} lists no ${this.words.noun} yet; add one a line, it is re-read`,
      );
    }
    this.scheduleReload();
    return this.replicas;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Re-reads the file and names now; resolves once the replica set is up to date. */
  async reload(): Promise<void> {
    let text: string;
    try {
      text = await this.readServersFile();
    } catch (error) {
      this.reportUnreadable(error as NodeJS.ErrnoException);
      return;
    }
    this.fileUnreadableReported = false;
    await this.load(text);
  }

  private readServersFile(): Promise<string> {
    return readFile(this.options.serversFile, 'utf8');
  }

  private scheduleReload(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.reload().then(
        () => this.scheduleReload(),
        (error: unknown) => {
          this.options.log.error(
            { event: 'discovery-failed', error: String(error) },
            'reload failed',
          );
          this.scheduleReload();
        },
      );
    }, this.options.reloadIntervalMs);
  }

  /** Parses, resolves and applies one version of the file; returns how many entries it had. */
  private async load(text: string): Promise<number> {
    const { entries, problems } = parseServersFile(text, this.options.defaultPort);
    this.reportProblems(problems);
    const resolved = await Promise.all(entries.map((entry) => this.expand(entry)));
    if (this.stopped) return entries.length;
    const next = new Map<string, DiscoveredReplica>();
    for (const replica of resolved.flat()) if (!next.has(replica.id)) next.set(replica.id, replica);
    this.options.log.debug(
      { event: `${this.fileEvent}-read`, entries: entries.length, replicas: next.size },
      `${this.words.file} read`,
    );
    if (this.holdsEmptyRead(next.size)) return entries.length;
    this.apply(next);
    return entries.length;
  }

  /**
   * An editor or `echo … > servers.txt` truncates the file before writing it, so a read can
   * land in between and find nothing. Such a read never empties the set at once: the set stays
   * until the next read finds it empty too (a rewrite that takes longer than the reload
   * interval still empties it; rename a temporary file into place to be safe).
   */
  private holdsEmptyRead(found: number): boolean {
    const { serversFile, log, say } = this.options;
    if (found > 0 || this.current.size === 0) {
      this.emptyReadHeld = false;
      return false;
    }
    if (this.emptyReadHeld) {
      this.emptyReadHeld = false;
      const message = `${serversFile} lists no ${this.words.noun} again: removing all ${this.current.size}`;
      log.warn({ event: `${this.fileEvent}-emptied`, file: serversFile }, message);
      say?.(message);
      return false;
    }
    this.emptyReadHeld = true;
    const message =
      `${serversFile} lists no ${this.words.noun} on this read; keeping the ${this.current.size} ` +
      'known until the next read agrees';
    log.warn({ event: `${this.fileEvent}-empty-held`, file: serversFile }, message);
    say?.(message);
    return true;
  }

  private async expand(entry: ServerEntry): Promise<DiscoveredReplica[]> {
    const toReplica = (address: string): DiscoveredReplica => ({
      id: endpointId(address, entry.port),
      host: address,
      port: entry.port,
      name: entry.host,
      line: entry.line,
    });
    if (isIP(entry.host) !== 0) return [toReplica(entry.host)];
    try {
      const addresses = await this.resolve(entry.host);
      this.lastAddresses.set(entry.host, addresses);
      this.reportedDnsFailures.delete(entry.host);
      return addresses.map(toReplica);
    } catch (error) {
      const kept = this.lastAddresses.get(entry.host) ?? [];
      this.reportDnsFailure(entry, error as NodeJS.ErrnoException, kept.length);
      return kept.map(toReplica);
    }
  }

  private apply(next: Map<string, DiscoveredReplica>): void {
    const added = [...next.values()].filter((replica) => !this.current.has(replica.id));
    const removed = [...this.current.values()].filter((replica) => !next.has(replica.id));
    for (const replica of removed) {
      this.current.delete(replica.id);
      this.options.log.info(
        { event: `${this.words.noun}-removed`, replica: replica.id, name: replica.name },
        `${this.words.noun} removed from the set`,
      );
    }
    for (const replica of added) {
      this.current.set(replica.id, replica);
      this.options.log.info(
        {
          event: `${this.words.noun}-added`,
          replica: replica.id,
          name: replica.name,
          line: replica.line,
        },
        `${this.words.noun} added to the set`,
      );
    }
    if (added.length > 0 || removed.length > 0) {
      this.emit('replicas', { added, removed, replicas: this.replicas });
    }
  }

  /** Each bad line once, until it is fixed (the file is re-read every few seconds). */
  private reportProblems(problems: ServersFileProblem[]): void {
    const { serversFile } = this.options;
    const seen = new Set<string>();
    for (const problem of problems) {
      const key = `${problem.line}\n${problem.text}\n${problem.reason}`;
      seen.add(key);
      if (this.reportedProblems.has(key)) continue;
      this.options.log.warn(
        { event: `${this.fileEvent}-problem`, file: serversFile, ...problem },
        `bad line in the ${this.words.file}, skipped`,
      );
      this.options.say?.(`${serversFile} line ${problem.line}: ${problem.reason}; line skipped`);
    }
    this.reportedProblems.clear();
    for (const key of seen) this.reportedProblems.add(key);
  }

  private reportDnsFailure(entry: ServerEntry, error: NodeJS.ErrnoException, kept: number): void {
    const what = error.code ?? error.message;
    if (this.reportedDnsFailures.get(entry.host) === what) return;
    this.reportedDnsFailures.set(entry.host, what);
    this.options.log.warn(
      { event: 'dns-failed', name: entry.host, line: entry.line, error: what, keptAddresses: kept },
      `a ${this.words.noun} name did not resolve`,
    );
    this.options.say?.(
      `cannot resolve ${entry.host} (line ${entry.line}): ${what}` +
        (kept > 0 ? `; keeping its ${kept} last known address(es)` : ''),
    );
  }

  private reportUnreadable(error: NodeJS.ErrnoException): void {
    if (this.fileUnreadableReported) return;
    this.fileUnreadableReported = true;
    const message = describeReadError(this.options.serversFile, error, this.words);
    this.options.log.warn(
      { event: `${this.fileEvent}-unreadable`, file: this.options.serversFile, error: error.code },
      `${message}; keeping the current ${this.words.noun}s`,
    );
    this.options.say?.(`${message}; keeping the current ${this.words.noun}s`);
  }
}

function describeReadError(
  file: string,
  error: NodeJS.ErrnoException,
  words: DiscoveryWords,
): string {
  const kind = words.file;
  if (error.code === 'ENOENT') {
    return `${kind} ${file} not found; create it with one ${words.noun} address a line`;
  }
  if (error.code === 'EISDIR') return `${kind} ${file} is a directory, not a file`;
  if (error.code === 'EACCES') return `${kind} ${file} cannot be read: permission denied`;
  return `${kind} ${file} cannot be read: ${error.code ?? error.message}`;
}
