import { docker } from './docker.js';

export interface ManifestObject {
  path: string;
  size: number;
  sha256: string;
}

/** The origin's manifest of the demo site, as the origin container wrote it. */
export async function originManifest(originContainer: string): Promise<ManifestObject[]> {
  const text = await docker('exec', originContainer, 'cat', '/site/manifest.json');
  return (JSON.parse(text) as { objects: ManifestObject[] }).objects;
}
