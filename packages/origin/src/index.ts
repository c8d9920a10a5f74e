export { startOrigin } from './server.js';
export type { OriginEvents, OriginHandle, OriginOptions, OriginRequestEvent } from './server.js';
export { writeDemoSite } from './demo/write-demo-site.js';
export type { DemoSiteOptions, DemoSiteResult } from './demo/write-demo-site.js';
export { GENERATOR_NAME, GENERATOR_VERSION, MANIFEST_FILE, readManifest } from './demo/manifest.js';
export type { DemoManifest, ManifestEntry } from './demo/manifest.js';
export { DEMO_OBJECTS } from './demo/site-plan.js';
export type { DemoObjectSpec } from './demo/site-plan.js';
