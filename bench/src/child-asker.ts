import type { ChildProcess } from 'node:child_process';

/**
 * Requests to a benchmark's child process over IPC, each answered by a `{kind: 'reply', id,
 * value}` message; a child that has exited answers every question, asked or pending, with null.
 */
export class ChildAsker {
  private nextId = 1;
  private readonly pending = new Map<number, (value: unknown) => void>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const reply = raw as { kind?: string; id?: number; value?: unknown };
      if (reply.kind !== 'reply' || reply.id === undefined) return;
      this.pending.get(reply.id)?.(reply.value);
      this.pending.delete(reply.id);
    });
    child.on('exit', () => {
      for (const resolve of this.pending.values()) resolve(null);
      this.pending.clear();
    });
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  ask(body: object): Promise<unknown> {
    if (this.exited) return Promise.resolve(null);
    const id = this.nextId++;
    const answered = new Promise<unknown>((resolve) => this.pending.set(id, resolve));
    this.child.send({ ...body, id });
    return answered;
  }
}
