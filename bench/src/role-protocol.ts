import type { BalancerOptions } from '@cdn-lab/balancer';
import type { ReplicaOptions } from '@cdn-lab/replica';

type Plain<T> = Omit<T, 'log' | 'say' | 'resolve' | 'host' | 'port'>;

export type WorkerSpec =
  | {
      role: 'replica';
      options: Plain<ReplicaOptions>;
      logFile?: string;
      /** Where it listens; default 127.0.0.1 and a free port. */
      host?: string;
      port?: number;
    }
  | { role: 'balancer'; options: Plain<BalancerOptions>; expectUp: number };

export type WorkerCommand =
  | { kind: 'faults'; id: number; faults: Record<string, number> }
  | { kind: 'strategy'; id: number; name: string }
  | { kind: 'status'; id: number }
  | { kind: 'close'; id: number };

export type WorkerReply =
  | { kind: 'ready'; host: string; port: number }
  | { kind: 'failed'; message: string }
  | { kind: 'reply'; id: number; value: unknown };
