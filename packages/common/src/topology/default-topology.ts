import { fileURLToPath } from 'node:url';

/** The shipped world (topologies/three-regions.yml), found from this module inside the repo. */
export const DEFAULT_TOPOLOGY_FILE = fileURLToPath(
  new URL('../../../../../topologies/three-regions.yml', import.meta.url),
);
