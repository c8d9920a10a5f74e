import type { Lab } from '../../lab.js';
import { isRunning } from '../../lab-operations.js';
import type { RoleProcess } from '../../role-process.js';
import type { RunnerKnowledge } from './role-state.js';

/**
 * Every edge and shield the lab has had during a run, by lab name in order of appearance, and
 * which of them each replica id (`host:port`) is: a report keeps a series for each of them.
 */
export class RoleRoster {
  readonly edges: string[] = [];
  readonly shields: string[] = [];
  private readonly nameOfId = new Map<string, string>();

  constructor(private readonly lab: Lab) {
    this.refresh();
  }

  /** Takes in roles started since (scaled, restarted). */
  refresh(): void {
    for (const role of this.lab.replicas) this.note(role, this.edges);
    for (const role of this.lab.shields) this.note(role, this.shields);
  }

  /** The lab name of a replica id; the id itself for one the lab did not start. */
  nameOf(id: string): string {
    if (!this.nameOfId.has(id)) this.refresh();
    return this.nameOfId.get(id) ?? id;
  }

  /** What the runner knows of the role named so now. */
  knowledge(name: string): RunnerKnowledge {
    const role = [...this.lab.replicas, ...this.lab.shields].find((known) => known.name === name);
    if (!role) return 'absent';
    return isRunning(role) ? 'running' : 'stopped';
  }

  private note(role: RoleProcess, names: string[]): void {
    this.nameOfId.set(`${role.ready.host}:${role.ready.port}`, role.name);
    if (!names.includes(role.name)) names.push(role.name);
  }
}
