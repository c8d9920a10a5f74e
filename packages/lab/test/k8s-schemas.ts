import { Namespace, ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import type { K8sObject } from './k8s-render.js';

/** A kubernetes-models class: built from an object's data, it checks that data. */
type ModelClass = new (data: never) => { validate(): void };

/** The kinds deploy/k8s uses, each with its model from the Kubernetes OpenAPI schemas. */
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
};

/**
 * Checks one object against its kind's schema offline (kubernetes-models): types, required
 * fields, enums and formats. Field names the schema does not know are not refused there (the
 * OpenAPI schemas allow them; a server with strict field validation refuses them on apply).
 */
export function validateAgainstSchema(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`${key} ${object.metadata.name}: no schema here for this kind`);
  try {
    // Rendered YAML, untyped until this check: the schema is what types it.
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${key} ${object.metadata.name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
