export type * from './scenario.js';
export { FLAT_LAB_CLIENTS } from './check-lab.js';
export {
  parseCompare,
  parseFieldOverride,
  type Compare,
  type FieldOverride,
} from './field-override.js';
export { loadScenario, type LoadedScenario } from './load-scenario.js';
export { requestSequence, type HotObject, type RequestSequence } from './request-sequence.js';
export { SCENARIO_FIELDS } from './scenario-fields.js';
export { scenarioVariants } from './scenario-variants.js';
export { TIMELINE_VERBS } from './timeline-verbs.js';
export { zipfObjectPath, zipfObjects } from './zipf-objects.js';
