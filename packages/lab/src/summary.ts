import type { Lab } from './lab.js';
import { regionsSummary } from './regions-summary.js';
import { balancerRows, replicaRow, rowOf, shown } from './summary-rows.js';
import { shieldRows, shieldsPhrase, tierLines } from './tier-summary.js';

/** What `cdn-lab up` prints once everything is ready: where each part is, and what to try. */
export function labSummary(lab: Lab, strategy: string): string {
  return lab.topology ? regionsSummary(lab, lab.topology, strategy) : flatSummary(lab, strategy);
}

function flatSummary(lab: Lab, strategy: string): string {
  const { host, port } = lab.balancer.ready;
  const row = rowOf(10, 24);
  const firstReplica = lab.replicas[0];
  const lines = [
    '',
    `cdn-lab is up: ${lab.replicas.length} replicas behind one balancer (strategy ${strategy})${shieldsPhrase(lab)}.`,
    '',
    row('origin', lab.originUrl, lab.origin.child.pid, `demo site ${shown(lab.siteDir)}`),
    ...lab.replicas.map((replica) => replicaRow(row, replica)),
    ...shieldRows(lab, row, 10),
    ...balancerRows(lab, row),
    ...tierLines(lab),
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
