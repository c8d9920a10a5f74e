import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PEER_PACKAGES = ['nginx-light', 'wrk', 'iperf3'];
export type PeerName = 'nginx' | 'wrk' | 'iperf3';
const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

export async function findBinary(name: string): Promise<string | null> {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

/**
 * Installs the peers from Debian when one is missing (needs root). In smoke mode nothing is
 * installed: a missing peer is skipped.
 */
export async function ensurePeers(smoke: boolean): Promise<void> {
  const missing: PeerName[] = [];
  for (const name of ['nginx', 'wrk', 'iperf3'] as const) {
    if (!(await findBinary(name))) missing.push(name);
  }
  if (missing.length === 0 || smoke) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `the peers ${missing.join(', ')} are missing and installing them needs root: ` +
        `run "sudo apt-get update && sudo apt-get install -y ${PEER_PACKAGES.join(' ')}" first`,
    );
  }
  console.error(`installing the peers (${missing.join(', ')}) with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...PEER_PACKAGES]]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}

/** A free TCP port on 127.0.0.1 (for programs that cannot report the port they bound). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForPort(port: number, limitMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${limitMs} ms`);
}

export interface RunningPeer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * nginx with one worker (like our single-process replica), sendfile on (Debian's default),
 * serving `root` on 127.0.0.1; null when nginx is not installed.
 */
export async function startNginx(root: string, workDir: string): Promise<RunningPeer | null> {
  const binary = await findBinary('nginx');
  if (!binary) return null;
  const port = await freePort();
  await mkdir(join(workDir, 'logs'), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const conf = join(workDir, 'nginx.conf');
  await writeFile(
    conf,
    [
      asRoot ? 'user root root;' : '',
      'worker_processes 1;',
      'daemon off;',
      'master_process off;',
      `pid ${join(workDir, 'nginx.pid')};`,
      `error_log ${join(workDir, 'logs', 'error.log')} error;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      '  sendfile on; tcp_nopush on; tcp_nodelay on;',
      '  keepalive_requests 1000000; keepalive_timeout 60s;',
      `  client_body_temp_path ${join(workDir, 'body')};`,
      `  proxy_temp_path ${join(workDir, 'proxy')};`,
      `  fastcgi_temp_path ${join(workDir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(workDir, 'uwsgi')};`,
      `  scgi_temp_path ${join(workDir, 'scgi')};`,
      `  server { listen 127.0.0.1:${port}; root ${root}; }`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-p', workDir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(port, 5000);
  } catch (error) {
    await stopChild(child);
    throw new Error(`nginx did not start: ${stderr.trim() || String(error)}`, { cause: error });
  }
  return { port, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/** Raw loopback TCP throughput with iperf3 (bits/s -> bytes/s); null when not installed. */
export async function iperf3BytesPerSecond(
  streams: number,
  seconds: number,
): Promise<number | null> {
  const binary = await findBinary('iperf3');
  if (!binary) return null;
  const port = await freePort();
  const server = spawn(binary, ['-s', '-B', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  try {
    await waitForPort(port, 5000);
    const { stdout } = await run(
      binary,
      ['-c', '127.0.0.1', '-p', String(port), '-P', String(streams), '-t', String(seconds), '-J'],
      { timeout: (seconds + 15) * 1000, maxBuffer: 16 * 1024 * 1024 },
    );
    const report = JSON.parse(stdout) as { end?: { sum_received?: { bits_per_second?: number } } };
    const bits = report.end?.sum_received?.bits_per_second;
    if (typeof bits !== 'number') throw new Error('iperf3 gave no sum_received');
    return bits / 8;
  } finally {
    await stopChild(server);
  }
}

/** A wrk Lua script (bench/wrk/) and the arguments it is given after `--`. */
export interface WrkScript {
  file: string;
  args: string[];
}

/** wrk requests/s over `connections` keep-alive connections; null when not installed. */
export async function wrkRequestsPerSecond(
  url: string,
  connections: number,
  seconds: number,
  script?: WrkScript,
): Promise<number | null> {
  const binary = await findBinary('wrk');
  if (!binary) return null;
  const scriptArgs = script ? ['-s', script.file, url, '--', ...script.args] : [url];
  const { stdout } = await run(
    binary,
    ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, ...scriptArgs],
    { timeout: (seconds + 15) * 1000 },
  );
  const match = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  if (!match) throw new Error(`cannot read wrk's output:\n${stdout}`);
  if (errors) throw new Error(`wrk saw ${errors[1]} error answers from ${url}`);
  return Number(match[1]);
}
