import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs the docker CLI and returns its trimmed stdout. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

export async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Ids of a Compose service's containers (running ones unless `all`), oldest first. */
export async function serviceContainers(
  project: string,
  service: string,
  all = false,
): Promise<string[]> {
  const output = await docker(
    'ps',
    ...(all ? ['--all'] : []),
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
    '--format',
    '{{.ID}}',
  );
  return output === '' ? [] : output.split('\n').reverse();
}

export interface NetworkAttachment {
  ip: string;
  aliases: string[];
}

/** The container's address and DNS aliases on one network. */
export async function attachment(container: string, network: string): Promise<NetworkAttachment> {
  const json = await docker('inspect', '--format', '{{json .NetworkSettings.Networks}}', container);
  const networks = JSON.parse(json) as Record<
    string,
    { IPAddress: string; Aliases: string[] | null }
  >;
  const entry = networks[network];
  if (!entry) throw new Error(`container ${container} is not on network ${network}`);
  return { ip: entry.IPAddress, aliases: entry.Aliases ?? [] };
}

export async function containerState(
  container: string,
): Promise<{ running: boolean; exitCode: number }> {
  const output = await docker(
    'inspect',
    '--format',
    '{{.State.Running}} {{.State.ExitCode}}',
    container,
  );
  const [running, exitCode] = output.split(' ');
  return { running: running === 'true', exitCode: Number(exitCode) };
}
