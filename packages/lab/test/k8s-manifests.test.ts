import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDuration, parseServersFile, parseTopology } from '@cdn-lab/common';
import { K8S_DIR, renderKustomization, type K8sObject } from './k8s-render.js';
import { validateAgainstSchema } from './k8s-schemas.js';
import {
  allContainers,
  envValue,
  mainContainer,
  mountedFile,
  roleOf,
  selects,
  services,
  workloads,
  workloadsOf,
  type Container,
  type Workload,
} from './k8s-objects.js';
import { settingsOf } from './k8s-settings.js';

// Rendered with `kubectl kustomize` and checked offline: no cluster runs here, so these tests
// are what stands between a manifest and `kubectl apply` (docs/scale-out.md, "Kubernetes").
const SHAPES = ['base', 'overlays/flat', 'overlays/regions', 'load'] as const;
const CLUSTERS = ['overlays/flat', 'overlays/regions'] as const;
const rendered = new Map<string, K8sObject[]>();
function render(shape: string): K8sObject[] {
  let objects = rendered.get(shape);
  if (!objects) {
    objects = renderKustomization(join(K8S_DIR, shape));
    rendered.set(shape, objects);
  }
  return objects;
}

const NAMESPACE = 'cdn-lab';
const REGION_LABEL = 'topology.kubernetes.io/region';

/** Variables that are no role's setting, each read by something the manifests name. */
const NOT_SETTINGS: Record<string, string> = {
  POD_IP: "the replica's CDN_ADVERTISE is built from it",
  LAB_MANIFEST: 'docker/cdn-load reads the demo manifest from it',
  TMPDIR: "docker/cdn-load's mktemp writes there (the root file system is read-only)",
  MANIFEST_URL: "the client Job's init container fetches the manifest from it",
};

/**
 * Settings of the issue 15 contract (the replica's advertised address) that the manifests use
 * before this tree's role has them; taken as known only while the role's --help lacks them.
 */
const CONTRACT_SETTINGS: Partial<Record<string, string[]>> = { replica: ['CDN_ADVERTISE'] };

function shellWait(command: string[]): number {
  assert.equal(command[0], 'sleep', `preStop ${command.join(' ')} is not a sleep`);
  return Number(command[1]) * 1000;
}

function podsOf(objects: K8sObject[]): { workload: Workload; container: Container }[] {
  return workloads(objects).flatMap((workload) =>
    allContainers(workload.spec.template.spec).map((container) => ({ workload, container })),
  );
}

describe('the Kubernetes manifests (deploy/k8s)', () => {
  for (const shape of SHAPES) {
    it(`${shape} renders, and every object passes the Kubernetes schemas`, () => {
      const objects = render(shape);
      assert.ok(objects.length > 0, `${shape} rendered nothing`);
      for (const object of objects) {
        validateAgainstSchema(object);
        if (object.kind !== 'Namespace') {
          assert.equal(
            object.metadata.namespace,
            NAMESPACE,
            `${object.kind} ${object.metadata.name}`,
          );
        }
      }
    });
  }

  for (const shape of CLUSTERS) {
    describe(shape, () => {
      it('the headless Service `replica` selects every replica pod and nothing else', () => {
        const objects = render(shape);
        const replica = services(objects).find((s) => s.metadata.name === 'replica');
        assert.ok(replica, 'no Service replica');
        assert.equal(replica.spec.clusterIP, 'None', 'replica is not headless');
        const selector = replica.spec.selector ?? {};
        for (const workload of workloads(objects)) {
          const runsReplica = workloadsOf(objects, 'replica').includes(workload);
          assert.equal(
            selects(selector, workload.spec.template.metadata.labels),
            runsReplica,
            `${workload.metadata.name}: selected ${runsReplica ? 'not' : 'but runs no replica'}`,
          );
        }
        const port = replica.spec.ports.find((p) => p.name === 'cdn');
        for (const workload of workloadsOf(objects, 'replica')) {
          const container = mainContainer(workload, 'replica');
          const target = container.ports?.find((p) => p.name === port?.targetPort);
          assert.equal(target?.containerPort, Number(envValue(container, 'CDN_REPLICA_PORT')));
          assert.equal(port?.port, target?.containerPort);
        }
      });

      it("the balancer's servers list names the headless Service, on the balancer's port", () => {
        const objects = render(shape);
        const [balancer, ...others] = workloadsOf(objects, 'balancer');
        assert.ok(balancer && others.length === 0, 'not one balancer Deployment');
        const container = mainContainer(balancer, 'balancer');
        const port = Number(envValue(container, 'CDN_BALANCER_PORT'));
        const file = envValue(container, 'CDN_SERVERS_FILE') ?? '';
        const servers = parseServersFile(mountedFile(objects, balancer, file), port);
        assert.deepEqual(servers.problems, []);
        const headless = services(objects).filter((s) => s.spec.clusterIP === 'None');
        assert.deepEqual(
          servers.entries.map((entry) => `${entry.host}:${entry.port}`),
          headless.map(
            (s) => `${s.metadata.name}:${s.spec.ports.find((p) => p.name === 'cdn')?.port}`,
          ),
        );
      });

      it("every container's readiness probe is its role's own --healthcheck", () => {
        for (const workload of workloads(render(shape))) {
          for (const container of workload.spec.template.spec.containers) {
            const role = roleOf(container);
            assert.ok(role, `${workload.metadata.name}/${container.name} runs no cdn-lab role`);
            const own = [...(container.command ?? []), ...(container.args ?? []), '--healthcheck'];
            assert.deepEqual(container.readinessProbe?.exec?.command, own, container.name);
            for (const probe of [container.startupProbe, container.livenessProbe]) {
              if (probe?.exec) assert.deepEqual(probe.exec.command, own, container.name);
            }
          }
        }
      });

      it('a stopping replica drains within its grace period, and a rolling update keeps every one', () => {
        for (const workload of workloadsOf(render(shape), 'replica')) {
          const container = mainContainer(workload, 'replica');
          const drainMs = parseDuration(envValue(container, 'CDN_DRAIN_TIMEOUT') ?? '', 's');
          const preStop = container.lifecycle?.preStop?.exec?.command;
          assert.ok(preStop, `${workload.metadata.name} has no preStop`);
          const graceMs = (workload.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
          assert.ok(
            graceMs > shellWait(preStop) + drainMs,
            `${workload.metadata.name}: grace ${graceMs} ms <= preStop + drain ${drainMs} ms`,
          );
          assert.equal(workload.spec.strategy?.type, 'RollingUpdate');
          assert.equal(workload.spec.strategy.rollingUpdate?.maxUnavailable, 0);
        }
      });

      it('each replica advertises its pod IP on its own port', () => {
        for (const workload of workloadsOf(render(shape), 'replica')) {
          const container = mainContainer(workload, 'replica');
          const env = container.env ?? [];
          const podIp = env.findIndex((v) => v.valueFrom?.fieldRef?.fieldPath === 'status.podIP');
          const advertise = env.findIndex((v) => v.name === 'CDN_ADVERTISE');
          assert.ok(
            podIp >= 0 && podIp < advertise,
            'the pod IP is not defined before CDN_ADVERTISE',
          );
          const port = envValue(container, 'CDN_REPLICA_PORT') ?? '';
          assert.equal(env[advertise]?.value, `$(${env[podIp]?.name}):${port}`);
        }
      });

      it('every environment variable is a setting its role reads', () => {
        for (const { workload, container } of podsOf(render(shape))) {
          const role = roleOf(container);
          const known = role ? settingsOf(role) : new Set<string>();
          for (const name of role ? (CONTRACT_SETTINGS[role] ?? []) : []) known.add(name);
          for (const { name } of container.env ?? []) {
            assert.ok(
              known.has(name) || name in NOT_SETTINGS,
              `${workload.metadata.name}/${container.name}: ${name} is no setting of ${role ?? 'any role'}`,
            );
          }
        }
      });

      it('every pod runs as non-root on a read-only root file system, with requests and limits', () => {
        for (const { workload, container } of podsOf(render(shape))) {
          const where = `${workload.metadata.name}/${container.name}`;
          const pod = workload.spec.template.spec.securityContext;
          assert.equal(pod?.runAsNonRoot, true, where);
          assert.ok((pod.runAsUser ?? 0) > 0, where);
          assert.equal(container.securityContext?.readOnlyRootFilesystem, true, where);
          assert.equal(container.securityContext.allowPrivilegeEscalation, false, where);
          assert.deepEqual(container.securityContext.capabilities?.drop, ['ALL'], where);
          const { requests, limits } = container.resources ?? {};
          assert.ok(requests?.cpu && requests.memory && limits?.memory, `${where}: resources`);
          assert.equal(container.image, 'cdn-lab:local', where);
          assert.equal(container.imagePullPolicy, 'IfNotPresent', where);
        }
      });
    });
  }

  it('the regions overlay places each regional Deployment on the nodes of its region', () => {
    const objects = render('overlays/regions');
    const replicas = workloadsOf(objects, 'replica');
    const balancer = mainContainer(workloadsOf(objects, 'balancer')[0] as Workload, 'balancer');
    const file = envValue(balancer, 'CDN_TOPOLOGY') ?? '';
    assert.equal(envValue(balancer, 'CDN_STRATEGY'), 'nearest');
    const topologyText = mountedFile(
      objects,
      workloadsOf(objects, 'balancer')[0] as Workload,
      file,
    );
    const topology = parseTopology(topologyText, file);
    const regions = topology.regions.map((region) => region.name);
    const placed = replicas.map((workload) => {
      const container = mainContainer(workload, 'replica');
      const region = envValue(container, 'CDN_REGION') ?? '';
      const terms =
        workload.spec.template.spec.affinity?.nodeAffinity
          ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      assert.ok(terms && terms.length > 0, `${workload.metadata.name} is placed nowhere`);
      for (const term of terms) {
        const byRegion = term.matchExpressions?.find((e) => e.key === REGION_LABEL);
        assert.equal(byRegion?.operator, 'In', workload.metadata.name);
        assert.deepEqual(byRegion.values, [region], workload.metadata.name);
      }
      // Real distance on a cluster: a replica with a topology would emulate more.
      assert.equal(envValue(container, 'CDN_TOPOLOGY'), undefined, workload.metadata.name);
      return region;
    });
    assert.deepEqual([...placed].sort(), [...regions].sort());
  });
});
