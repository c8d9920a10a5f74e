import { relative } from 'node:path';
import { loopbackClientAddress, regionNamed } from '@cdn-lab/common';
import type { Lab } from './lab.js';

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** What `cdn-lab up` prints once everything is ready: where each part is, and what to try. */
export function labSummary(lab: Lab, strategy: string): string {
  return lab.topology ? regionsSummary(lab, strategy) : flatSummary(lab, strategy);
}

function flatSummary(lab: Lab, strategy: string): string {
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

/** The lab with a topology: replicas by region, and how to be a client in each region. */
function regionsSummary(lab: Lab, strategy: string): string {
  const topology = lab.topology;
  if (!topology) return flatSummary(lab, strategy);
  const { host, port } = lab.balancer.ready;
  const balancer = `${host}:${port}`;
  const width = Math.max(10, ...lab.replicas.map((replica) => replica.name.length));
  const row = (name: string, where: string, pid: number | undefined, note = ''): string =>
    `  ${name.padEnd(width)} ${where.padEnd(22)} pid ${String(pid).padEnd(8)} ${note}`.trimEnd();
  const names = lab.regions.map((region) => region.name).join(', ');
  const lines = [
    '',
    `cdn-lab is up: ${lab.replicas.length} replicas in ${lab.regions.length} regions (${names}) behind one balancer (strategy ${strategy}), world ${shown(topology.source)}.`,
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
    for (const replica of region.replicas) {
      const { ready } = replica;
      const admin = ready.adminUrl ? `admin ${ready.adminUrl}` : '';
      lines.push(row(replica.name, `${ready.host}:${ready.port}`, replica.child.pid, admin));
    }
  }
  lines.push(
    row('balancer', balancer, lab.balancer.child.pid, `servers file ${shown(lab.serversFile)}`),
    ...(lab.balancer.ready.adminUrl
      ? [`  dashboard  ${lab.balancer.ready.adminUrl}   (admin API: status, metrics, events)`]
      : []),
    `  logs       ${shown(lab.logDir)}/*.log (JSON lines, one event a line)`,
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
  }
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
}
