// The rows both summaries of `cdn-lab up` share.
import { relative } from 'node:path';
import type { Lab } from './lab.js';
import type { RoleProcess } from './role-process.js';

export type Row = (name: string, where: string, pid: number | undefined, note?: string) => string;

/** A table row builder whose first column is `width` wide. */
export function rowOf(width: number, whereWidth: number): Row {
  return (name, where, pid, note = '') =>
    `  ${name.padEnd(width)} ${where.padEnd(whereWidth)} pid ${String(pid).padEnd(8)} ${note}`.trimEnd();
}

export function replicaRow(row: Row, replica: RoleProcess): string {
  const { ready } = replica;
  const admin = ready.adminUrl ? `admin ${ready.adminUrl}` : '';
  return row(replica.name, `${ready.host}:${ready.port}`, replica.child.pid, admin);
}

/** The balancer, its dashboard and the logs: the last rows of both summaries. */
export function balancerRows(lab: Lab, row: Row): string[] {
  const { host, port } = lab.balancer.ready;
  return [
    row(
      'balancer',
      `${host}:${port}`,
      lab.balancer.child.pid,
      `servers file ${shown(lab.serversFile)}`,
    ),
    ...(lab.balancer.ready.adminUrl
      ? [`  dashboard  ${lab.balancer.ready.adminUrl}   (admin API: status, metrics, events)`]
      : []),
    `  logs       ${shown(lab.logDir)}/*.log (JSON lines, one event a line)`,
  ];
}

/** A path relative to the working folder when it lies inside it. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
