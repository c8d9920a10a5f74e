import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isStrategyName, strategyNamesFor } from '@cdn-lab/balancer';
import { parsePathsFile } from '@cdn-lab/client';
import {
  DEFAULT_TOPOLOGY_FILE,
  MAX_REPLICAS_PER_REGION,
  loadTopology,
  type FieldPath,
  type Topology,
} from '@cdn-lab/common';
import type { ScenarioFile } from './file-schema.js';
import type { RequestMix, ScenarioLab } from './scenario.js';
import type { ScenarioProblems } from './scenario-problems.js';

/** The key of `load.clients` in the flat lab, where the count is a total, not a region's. */
export const FLAT_LAB_CLIENTS = 'all';

/** A UserError's text on one line (the topology loader lists its problems on several). */
function oneLine(error: unknown): string {
  return (error as Error).message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('See '))
    .join(' ');
}

function topologyOf(file: ScenarioFile, folder: string, problems: ScenarioProblems) {
  const given = file.lab.topology;
  if (given === undefined) return { path: null, topology: null };
  const path = given === true ? DEFAULT_TOPOLOGY_FILE : resolve(folder, given);
  try {
    return { path, topology: loadTopology(path) };
  } catch (error) {
    problems.add(['lab', 'topology'], oneLine(error));
    return { path, topology: null };
  }
}

/** Whether `name` is a strategy of a lab with or without a topology; else the problem. */
export function strategyProblem(name: string, hasTopology: boolean): string | null {
  if (strategyNamesFor(hasTopology).some((known) => known === name)) return null;
  if (isStrategyName(name)) return `${name} needs lab.topology (regions to be nearest to)`;
  return `"${name}" is not a strategy; choose one of ${strategyNamesFor(hasTopology).join(', ')}`;
}

export interface CheckedLab {
  lab: ScenarioLab;
  topology: Topology | null;
  /** A topology that could not be read: the checks that need its regions are skipped. */
  topologyUnread: boolean;
}

export function checkLab(
  file: ScenarioFile,
  source: string,
  problems: ScenarioProblems,
): CheckedLab {
  const { path, topology } = topologyOf(file, dirname(source), problems);
  const given = file.lab;
  if (given.strategy !== undefined) {
    const problem = strategyProblem(given.strategy, path !== null);
    if (problem) problems.add(['lab', 'strategy'], problem);
  }
  if (path !== null && given.replicas !== undefined && given.replicas > MAX_REPLICAS_PER_REGION) {
    problems.add(
      ['lab', 'replicas'],
      `with a topology it is per region: at most ${MAX_REPLICAS_PER_REGION}`,
    );
  }
  const lab: ScenarioLab = {
    replicas: given.replicas ?? null,
    strategy: given.strategy ?? null,
    cacheBytes: given.cacheBytes ?? null,
    topology: path,
    shield: given.shield,
    maxObjectBytes: given.maxObjectBytes ?? null,
    ttlMs: given.ttl ?? null,
    warm: given.warm,
  };
  return { lab, topology, topologyUnread: path !== null && topology === null };
}

/** Clients per client region (a number alone: in every region), or in all for the flat lab. */
export function checkClients(
  clients: ScenarioFile['load']['clients'],
  checked: CheckedLab,
  problems: ScenarioProblems,
): Record<string, number> {
  const field: FieldPath = ['load', 'clients'];
  const regions = checked.topology?.regions.map((region) => region.name) ?? [];
  if (typeof clients === 'number') {
    if (checked.lab.topology === null) return { [FLAT_LAB_CLIENTS]: clients };
    return Object.fromEntries(regions.map((region) => [region, clients]));
  }
  if (checked.lab.topology === null) {
    problems.add(field, 'clients per region need lab.topology; the flat lab takes a number');
    return {};
  }
  if (checked.topologyUnread) return {};
  for (const region of Object.keys(clients)) {
    if (!regions.includes(region)) {
      problems.add([...field, region], `is not a region of the topology (${regions.join(', ')})`);
    }
  }
  if (Object.values(clients).every((count) => count === 0)) {
    problems.add(field, 'no region has a client');
  }
  // A region without clients has no load to start: it is left out.
  const perRegion = regions.map((region): [string, number] => [region, clients[region] ?? 0]);
  return Object.fromEntries(perRegion.filter(([, count]) => count > 0));
}

export interface CheckedMix {
  mix: RequestMix;
  /** The paths the mix asks for (a zipf mix: null, its paths are `/objects/<k>.bin`). */
  paths: string[] | null;
}

/** Exactly one of zipf and paths; a paths file resolved, read and parsed. */
export function checkMix(
  mix: ScenarioFile['load']['mix'],
  source: string,
  problems: ScenarioProblems,
): CheckedMix | null {
  const field: FieldPath = ['load', 'mix'];
  if ((mix.zipf === undefined) === (mix.paths === undefined)) {
    problems.add(field, 'give exactly one of zipf: {objects, s, objectBytes} and paths: <file>');
    return null;
  }
  if (mix.zipf) return { mix: { kind: 'zipf', ...mix.zipf }, paths: null };
  const file = resolve(dirname(source), mix.paths as string);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code;
    problems.add([...field, 'paths'], `cannot read ${file}: ${why}`);
    return null;
  }
  try {
    return { mix: { kind: 'paths', file }, paths: parsePathsFile(text, file) };
  } catch (error) {
    problems.add([...field, 'paths'], oneLine(error));
    return null;
  }
}
