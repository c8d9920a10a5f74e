/** The roles' admin HTTP APIs, reached at the containers' addresses on the lab network. */

export interface ReplicaStatusView {
  id: string;
  state: string;
  /** Routes answered with this replica as best. */
  routes: number;
  /** Its last load report (null before its first answer). */
  load: { activeTransfers: number } | null;
}

async function ask(url: string, init: RequestInit = {}): Promise<unknown> {
  const answer = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${answer.status} ${text}`);
  return text === '' ? null : (JSON.parse(text) as unknown);
}

/** The replicas the balancer knows and their states, from its admin /status. */
export async function balancerReplicas(
  ip: string,
  adminPort: number,
): Promise<ReplicaStatusView[]> {
  const status = (await ask(`http://${ip}:${adminPort}/status`)) as {
    replicas: ReplicaStatusView[];
  };
  return status.replicas;
}

/** Sets (`faults` given) or clears (null) a replica's injected faults. */
export async function setReplicaFaults(
  ip: string,
  adminPort: number,
  token: string,
  faults: Record<string, number> | null,
): Promise<void> {
  await ask(`http://${ip}:${adminPort}/faults`, {
    method: faults ? 'POST' : 'DELETE',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    ...(faults ? { body: JSON.stringify(faults) } : {}),
  });
}
