const KiB = 1024;
const MiB = 1024 * KiB;

export interface DemoObjectSpec {
  /** URL path, e.g. "/objects/1m.bin". */
  path: string;
  size: number;
  /** Human size, e.g. "1 MiB". */
  label: string;
}

function object(name: string, size: number, label: string): DemoObjectSpec {
  return { path: `/objects/${name}.bin`, size, label };
}

/** The binary objects of the demo site, smallest first. */
export const DEMO_OBJECTS: readonly DemoObjectSpec[] = [
  object('1k', KiB, '1 KiB'),
  object('10k', 10 * KiB, '10 KiB'),
  object('100k', 100 * KiB, '100 KiB'),
  object('1m', MiB, '1 MiB'),
  object('10m', 10 * MiB, '10 MiB'),
  object('64m', 64 * MiB, '64 MiB'),
];

/** The objects that fit under maxObjectBytes (all of them when it is undefined). */
export function plannedObjects(maxObjectBytes: number | undefined): DemoObjectSpec[] {
  return DEMO_OBJECTS.filter((spec) => maxObjectBytes === undefined || spec.size <= maxObjectBytes);
}
