import { basename, dirname } from 'node:path';
import type { K8sObject } from './k8s-render.js';

// The parts of the schema-checked objects the assertions read.

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}

export interface Probe {
  exec?: { command: string[] };
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: { matchExpressions?: NodeSelectorRequirement[] }[];
      };
    };
  };
  volumes?: { name: string; configMap?: { name: string } }[];
}

export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

export interface ServiceObject extends K8sObject {
  spec: {
    clusterIP?: string;
    type?: string;
    selector?: Record<string, string>;
    ports: { name?: string; port: number; targetPort?: string | number }[];
  };
}

export interface ConfigMapObject extends K8sObject {
  data?: Record<string, string>;
}

export type Role = 'origin' | 'replica' | 'balancer' | 'client';

export function workloads(objects: K8sObject[]): Workload[] {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job') as Workload[];
}

export function services(objects: K8sObject[]): ServiceObject[] {
  return objects.filter((o) => o.kind === 'Service') as ServiceObject[];
}

export function configMapNamed(objects: K8sObject[], name: string): ConfigMapObject {
  const found = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!found) throw new Error(`no ConfigMap ${name}`);
  return found as ConfigMapObject;
}

export function allContainers(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** The cdn-lab role a container runs (docker/cdn-load is the client's load mode), if any. */
export function roleOf(container: Container): Role | null {
  const line = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  const match = /\bcdn-(origin|replica|balancer|client|load)\b/.exec(line);
  if (!match) return null;
  return match[1] === 'load' ? 'client' : (match[1] as Role);
}

/** The Deployments whose main container runs `role`. */
export function workloadsOf(objects: K8sObject[], role: Role): Workload[] {
  return workloads(objects).filter((w) =>
    w.spec.template.spec.containers.some((c) => roleOf(c) === role),
  );
}

export function mainContainer(workload: Workload, role: Role): Container {
  const container = workload.spec.template.spec.containers.find((c) => roleOf(c) === role);
  if (!container) throw new Error(`${workload.metadata.name} runs no ${role}`);
  return container;
}

export function envValue(container: Container, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const pairs = Object.entries(selector);
  return pairs.length > 0 && pairs.every(([key, value]) => labels[key] === value);
}

/** The text of `file` in `workload`'s pod, which must come from a ConfigMap volume. */
export function mountedFile(objects: K8sObject[], workload: Workload, file: string): string {
  const mounts = workload.spec.template.spec.containers.flatMap((c) => c.volumeMounts ?? []);
  const mount = mounts.find((m) => m.mountPath === dirname(file));
  const volume = workload.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
  if (!volume?.configMap)
    throw new Error(`${workload.metadata.name}: ${file} is not from a ConfigMap`);
  const text = configMapNamed(objects, volume.configMap.name).data?.[basename(file)];
  if (text === undefined) throw new Error(`${volume.configMap.name} has no ${basename(file)}`);
  return text;
}
