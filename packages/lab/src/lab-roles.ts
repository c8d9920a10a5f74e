import { spawnRole, type Exit, type RoleProcess } from './role-process.js';

export interface RoleExit extends Exit {
  name: string;
}

/** The order roles stop in; roles of one stage stop together. */
export const STOP_ORDER = ['balancer', 'edges', 'shields', 'origin'] as const;
export type StopStage = (typeof STOP_ORDER)[number];

interface StartedRole {
  name: string;
  stop: RoleProcess['stop'];
  stage: StopStage;
}

export interface RoleSetOptions {
  onLine: (name: string, line: string) => void;
  execArgvFor?: ((name: string) => string[]) | undefined;
  /** A role exited that neither the lab's stop nor `stopRole` asked to. */
  onUnexpectedExit?: ((name: string, exit: Exit) => void) | undefined;
}

/**
 * Every role process a lab started, at start-up or later (a scaled edge, a restarted origin),
 * so that stopping the lab stops each of them in the documented order.
 */
export class RoleSet {
  private readonly started: StartedRole[] = [];
  private readonly stoppedOnPurpose = new Set<RoleProcess>();
  private stopping = false;

  constructor(private readonly options: RoleSetOptions) {}

  async spawn(
    stage: StopStage,
    ...[role, name, args]: Parameters<typeof spawnRole>
  ): Promise<RoleProcess> {
    // Registered as soon as it exists: the lab's stop must reach a role that is still starting.
    const started = await spawnRole(role, name, args, {
      onLine: this.options.onLine,
      execArgv: this.options.execArgvFor?.(name) ?? [],
      onSpawned: (stop) => this.started.push({ name, stop, stage }),
    });
    if (this.stopping) await started.stop();
    void started.exited.then((exit) => {
      if (this.stopping || this.stoppedOnPurpose.has(started)) return;
      this.options.onLine(name, `exited unexpectedly (${exit.signal ?? `code ${exit.code}`})`);
      this.options.onUnexpectedExit?.(name, exit);
    });
    return started;
  }

  /** Stops one role on purpose (SIGKILL, or SIGTERM: it drains first). */
  stopOne(role: RoleProcess, signal: NodeJS.Signals): Promise<Exit> {
    this.stoppedOnPurpose.add(role);
    return role.stop(signal);
  }

  /**
   * The balancer goes first so that no client is sent to a replica that is already stopping;
   * the edges drain before the shields and the origin they may still be fetching from.
   */
  async stopAll(): Promise<RoleExit[]> {
    this.stopping = true;
    const exits: RoleExit[] = [];
    for (const stage of STOP_ORDER) {
      const stopping = this.started
        .filter((started) => started.stage === stage)
        .map(async ({ name, stop }) => ({ name, ...(await stop()) }));
      exits.push(...(await Promise.all(stopping)));
    }
    return exits;
  }
}
