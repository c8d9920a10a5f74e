import { UserError } from '@cdn-lab/common';
import { adminRequest } from '../../admin-request.js';
import type { Lab } from '../../lab.js';
import type { RoleProcess } from '../../role-process.js';
import type { HotObject, TimelineStep } from '../scenario/index.js';

export interface StepContext {
  lab: Lab;
  /** From now on the load asks for the hot path this often (null: the mix alone). */
  setHot(hot: HotObject | null): void;
}

function adminUrlOf(role: RoleProcess | undefined, name: string): string {
  const url = role?.ready.adminUrl;
  if (!url) throw new UserError(`${name} has no admin API in this lab`);
  return url.endsWith('/') ? url : `${url}/`;
}

/** The balancer's admin: drain, undrain and strategy go there, as `cdn-lab` users would send them. */
function balancerAdmin(lab: Lab, path: string): string {
  return new URL(path, adminUrlOf(lab.balancer, 'the balancer')).toString();
}

function replicaId(lab: Lab, name: string): string {
  const role = lab.roleNamed(name);
  if (!role) throw new UserError(`no replica ${name} in this lab`);
  return `${role.ready.host}:${role.ready.port}`;
}

/** Carries out one timeline step through the lab's own interfaces. */
export async function performStep(step: TimelineStep, context: StepContext): Promise<void> {
  const { lab } = context;
  switch (step.verb) {
    case 'kill':
    case 'term':
      return lab.stopRole(step.replica, step.verb === 'kill' ? 'SIGKILL' : 'SIGTERM');
    case 'fault':
    case 'heal': {
      const url = new URL('faults', adminUrlOf(lab.roleNamed(step.replica), step.replica));
      const body = step.verb === 'fault' ? step.faults : undefined;
      await adminRequest(
        url.toString(),
        step.verb === 'fault' ? 'POST' : 'DELETE',
        body,
        undefined,
      );
      return;
    }
    case 'drain':
    case 'undrain': {
      const id = replicaId(lab, step.replica);
      await adminRequest(balancerAdmin(lab, `replicas/${id}/${step.verb}`), 'POST', {}, undefined);
      return;
    }
    case 'strategy':
      await adminRequest(
        balancerAdmin(lab, 'strategy'),
        'POST',
        { strategy: step.strategy },
        undefined,
      );
      return;
    case 'scale':
      return lab.scaleEdges(step.replicas);
    case 'origin':
      return lab.setOrigin(step.state);
    case 'region':
      return lab.setRegion(step.region, step.state);
    case 'hot':
      context.setHot(step.share > 0 ? { path: step.path, share: step.share } : null);
      return;
  }
}
