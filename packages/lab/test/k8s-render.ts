import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const K8S_DIR = fileURLToPath(new URL('../../../../deploy/k8s/', import.meta.url));

/** What every rendered object has; the rest is read through the accessors in k8s-objects.ts. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const MISSING_KUBECTL =
  'kubectl is not installed: the Kubernetes manifest tests render deploy/k8s with ' +
  '`kubectl kustomize` (no cluster is contacted). Install kubectl 1.27 or later ' +
  '(the Kubernetes command-line client) and run the tests again.';

/**
 * `kubectl kustomize DIR`, parsed. kustomize runs inside kubectl and contacts no server; the
 * empty KUBECONFIG keeps any kubeconfig of the machine out of it all the same.
 */
export function renderKustomization(dir: string): K8sObject[] {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '/dev/null' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(MISSING_KUBECTL, { cause: error });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr.trim()}`, { cause: error });
  }
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${dir}: ${document.errors[0]?.message}`);
      return document.toJS() as unknown;
    })
    .filter((object): object is K8sObject => object !== null)
    .map((object) => {
      if (!isObject(object) || typeof object.apiVersion !== 'string') {
        throw new Error(`${dir}: a rendered document is not a Kubernetes object`);
      }
      return object;
    });
}

function isObject(value: unknown): value is K8sObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
