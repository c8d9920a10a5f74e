import {
  DEFAULT_TOPOLOGY_FILE,
  loopbackClientAddress,
  regionNamed,
  type Topology,
} from '@cdn-lab/common';
import type { Lab } from './lab.js';
import { balancerRows, replicaRow, rowOf, shown } from './summary-rows.js';
import { shieldRows, shieldsPhrase, tierLines } from './tier-summary.js';

/** The lab with a topology: replicas by region, and how to be a client in each region. */
export function regionsSummary(lab: Lab, topology: Topology, strategy: string): string {
  const { host, port } = lab.balancer.ready;
  const balancer = `${host}:${port}`;
  const width = Math.max(10, ...[...lab.replicas, ...lab.shields].map((role) => role.name.length));
  const row = rowOf(width, 22);
  const names = lab.regions.map((region) => region.name).join(', ');
  const lines = [
    '',
    `cdn-lab is up: ${lab.replicas.length} replicas in ${lab.regions.length} regions (${names}) behind one balancer (strategy ${strategy})${shieldsPhrase(lab)}, world ${shown(topology.source)}.`,
    '',
    row(
      'origin',
      lab.originUrl,
      lab.origin.child.pid,
      `in ${topology.origin}; demo site ${shown(lab.siteDir)}`,
    ),
  ];
  for (const region of lab.regions) {
    const spec = regionNamed(topology, region.name);
    const clients = spec ? spec.clients.map((cidr) => cidr.text).join(', ') : '';
    lines.push(`  ${`[${region.name}]`.padEnd(width)} clients ${clients}`);
    lines.push(...region.replicas.map((replica) => replicaRow(row, replica)));
  }
  lines.push(
    ...shieldRows(lab, row, width),
    ...balancerRows(lab, row),
    ...tierLines(lab),
    '',
    'Fetch as a client in each region (the balancer sends it to a replica of its own region):',
  );
  for (const region of lab.regions) {
    const spec = regionNamed(topology, region.name);
    const source = spec ? loopbackClientAddress(spec) : '';
    lines.push(
      `  npx cdn-client --region ${region.name} -s ${host} -p ${port} --path /objects/1m.bin -o 1m.bin`,
      `  curl --interface ${source} -sL http://${balancer}/index.html -o /dev/null -w '%{remote_ip} %{time_starttransfer}s\\n'`,
    );
  }
  const first = lab.regions[0];
  if (first) {
    const pids = first.replicas.map((replica) => replica.child.pid ?? '<pid>').join(' ');
    lines.push(
      `  npx cdn-client --region ${first.name} -s ${host} -p ${port} --paths ${shown(lab.pathsFile)} --requests 200 --concurrency 8`,
      '',
      `Take a region down and watch its clients go to the next-nearest one:`,
      `  kill -9 ${pids}    # every replica of ${first.name}`,
    );
    const victim = first.replicas[0];
    if (victim?.ready.adminUrl) {
      const world =
        topology.source === DEFAULT_TOPOLOGY_FILE ? '' : ` --topology ${shown(topology.source)}`;
      lines.push(
        '',
        'Break one on purpose, and watch the dashboard:',
        `  npx cdn-lab fault ${victim.name}${world} --delay 50ms`,
        `  npx cdn-lab heal ${victim.name}${world}`,
      );
    }
  }
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
}
