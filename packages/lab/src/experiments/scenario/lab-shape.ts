import type { Topology } from '@cdn-lab/common';
import { LAB_DEFAULTS } from '../../lab-options.js';

function range(prefix: string, count: number): string {
  if (count === 0) return '';
  return count === 1 ? `${prefix}1` : `${prefix}1…${prefix}${count}`;
}

/**
 * The replicas a scenario's lab has at one moment of its timeline, by the names the lab gives
 * them (replica-plan.ts): `replica-<n>` flat, `replica-<region>-<n>` with a topology, `shield-<n>`.
 */
export class LabShape {
  /** Edges per region (the flat lab: one entry, key ''). */
  private readonly edges = new Map<string, number>();

  constructor(
    readonly topology: Topology | null,
    replicas: number | null,
    private readonly shields: number,
  ) {
    if (!topology) this.edges.set('', replicas ?? LAB_DEFAULTS.replicas);
    for (const region of topology?.regions ?? []) {
      this.edges.set(region.name, replicas ?? region.replicas);
    }
  }

  get regions(): string[] {
    return this.topology?.regions.map((region) => region.name) ?? [];
  }

  /** Flat lab only: edges in all from now on. */
  scale(replicas: number): void {
    this.edges.set('', replicas);
  }

  isEdge(name: string): boolean {
    const match = /^replica-(?:([a-z][a-z0-9-]*)-)?([1-9][0-9]*)$/.exec(name);
    if (!match) return false;
    const count = this.edges.get(match[1] ?? '');
    return count !== undefined && Number(match[2]) <= count;
  }

  isShield(name: string): boolean {
    const match = /^shield-([1-9][0-9]*)$/.exec(name);
    return match !== null && Number(match[1]) <= this.shields;
  }

  /** `replica-1…replica-5, shield-1`: what a step may name now. */
  describe(withShields: boolean): string {
    const names = [...this.edges].map(([region, count]) =>
      range(region === '' ? 'replica-' : `replica-${region}-`, count),
    );
    if (withShields) names.push(range('shield-', this.shields));
    const listed = names.filter((name) => name !== '');
    return listed.length > 0 ? listed.join(', ') : 'none';
  }
}
