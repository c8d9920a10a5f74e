import { relative } from 'node:path';
import type { Lab } from './lab.js';

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** What `cdn-lab up` prints once everything is ready: where each part is, and what to try. */
export function labSummary(lab: Lab, strategy: string): string {
  const balancer = `${lab.balancer.ready.host}:${lab.balancer.ready.port}`;
  const { host, port } = lab.balancer.ready;
  const row = (name: string, where: string, pid: number | undefined, note = ''): string =>
    `  ${name.padEnd(10)} ${where.padEnd(24)} pid ${String(pid).padEnd(8)} ${note}`.trimEnd();
  const firstReplica = lab.replicas[0];
  const lines = [
    '',
    `cdn-lab is up: ${lab.replicas.length} replicas behind one balancer (strategy ${strategy}).`,
    '',
    row('origin', lab.originUrl, lab.origin.child.pid, `demo site ${shown(lab.siteDir)}`),
    ...lab.replicas.map((replica) =>
      row(
        replica.name,
        `${replica.ready.host}:${replica.ready.port}`,
        replica.child.pid,
        replica.ready.adminUrl ? `admin ${replica.ready.adminUrl}` : '',
      ),
    ),
    row('balancer', balancer, lab.balancer.child.pid, `servers file ${shown(lab.serversFile)}`),
    ...(lab.balancer.ready.adminUrl
      ? [`  dashboard  ${lab.balancer.ready.adminUrl}   (admin API: status, metrics, events)`]
      : []),
    `  logs       ${shown(lab.logDir)}/*.log (JSON lines, one event a line)`,
    '',
    'Try it (in another terminal):',
    `  npx cdn-client -s ${host} -p ${port}                                   # default object -> website.html`,
    `  npx cdn-client -s ${host} -p ${port} --path /objects/1m.bin -o 1m.bin`,
    `  npx cdn-client -s ${host} -p ${port} --paths ${shown(lab.pathsFile)} --requests 200 --concurrency 8`,
    `  npx cdn-lab demo                                                     # a short load, with a report`,
    `  kill -9 ${lab.replicas[0]?.child.pid ?? '<pid>'}    # break a replica and watch the balancer route around it`,
    ...(firstReplica && firstReplica.ready.adminUrl
      ? [
          '',
          'Break it on purpose, and watch the dashboard:',
          `  npx cdn-lab fault ${firstReplica.name} --delay 50ms --error-rate 0.1`,
          `  npx cdn-lab heal ${firstReplica.name}`,
        ]
      : []),
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}
