// The summary lines of `cdn-lab up --shield N`: the shield rows, the tier picture, what to watch.
import type { Lab } from './lab.js';
import type { RoleProcess } from './role-process.js';
import { replicaRow, shown, type Row } from './summary-rows.js';

/** The shields' rows, under a heading naming their tier and (with a topology) their region. */
export function shieldRows(lab: Lab, row: Row, width: number): string[] {
  if (lab.shields.length === 0) return [];
  const where = lab.topology ? ` in ${lab.topology.origin}, the origin's region` : '';
  return [
    `  ${'[shield]'.padEnd(width)} tier shield${where}; parents file ${shown(lab.parentsFile ?? '')}`,
    ...lab.shields.map((shield) => replicaRow(row, shield)),
  ];
}

function names(roles: RoleProcess[]): string {
  const first = roles[0]?.name ?? '';
  const last = roles.at(-1)?.name ?? '';
  return roles.length > 1 ? `${first} … ${last}` : first;
}

/** How a miss travels, and the lines that show each tier at work (empty without shields). */
export function tierLines(lab: Lab): string[] {
  const shield = lab.shields[0];
  const edge = lab.replicas[0];
  if (!shield || !edge) return [];
  const edgeCount = `${lab.replicas.length} edge${lab.replicas.length > 1 ? 's' : ''}`;
  const shieldCount = `${lab.shields.length} shield${lab.shields.length > 1 ? 's' : ''}`;
  const edgeAt = `${edge.ready.host}:${edge.ready.port}`;
  // `cdn-lab fault shield-n` looks in the topology's origin region only when one is named.
  const world = lab.topology ? ` --topology ${shown(lab.topology.source)}` : '';
  const lines = [
    '',
    `Tiers: clients -> ${edgeCount} (${names(lab.replicas)}, tier edge) -> ${shieldCount} (${names(lab.shields)}, tier shield) -> origin`,
    '  An edge asks the shield that owns the path (rendezvous hashing), the next shield when that one',
    '  fails, and the origin itself only when no shield answers; X-Cache says where a miss came from.',
    '',
    'Watch the tiers:',
    `  curl -s -o /dev/null -D - http://${edgeAt}/objects/1k.bin | grep -i x-cache   # miss; parent=<shield> (miss), then hit`,
  ];
  if (shield.ready.adminUrl) {
    lines.push(
      `  curl -s ${shield.ready.adminUrl}status      # ${shield.name}: hits, misses, origin fetches`,
    );
  }
  if (lab.balancer.ready.adminUrl) {
    lines.push(
      `  dashboard ${lab.balancer.ready.adminUrl}      # the tiers and each one's hit ratio`,
    );
  }
  lines.push(
    `  kill -9 ${shield.child.pid ?? '<pid>'}    # ${shield.name} down: its paths go to the next shield, downloads go on`,
  );
  if (shield.ready.adminUrl) {
    lines.push(
      `  npx cdn-lab fault ${shield.name}${world} --error-rate 1    # every answer a 500: the edges fail over`,
      `  npx cdn-lab heal ${shield.name}${world}`,
    );
  }
  return lines;
}

/** ", 2 shields between them and the origin", or nothing without a shield tier. */
export function shieldsPhrase(lab: Lab): string {
  const count = lab.shields.length;
  return count === 0 ? '' : `, ${count} shield${count > 1 ? 's' : ''} between them and the origin`;
}
