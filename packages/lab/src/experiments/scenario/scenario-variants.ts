import type { Compare } from './field-override.js';
import { checkScenario, type LoadedScenario } from './load-scenario.js';
import type { ScenarioVariant } from './scenario.js';

/**
 * One variant per value compared (`<field>=<value>`), each checked again with its value in
 * force, so a value that breaks a step fails before anything starts; no compare: the scenario.
 */
export function scenarioVariants(
  loaded: LoadedScenario,
  compare: Compare | null,
): ScenarioVariant[] {
  if (compare === null) return [{ label: loaded.scenario.name, scenario: loaded.scenario }];
  return compare.values.map((value) => ({
    label: `${compare.field}=${value.text}`,
    scenario: checkScenario(loaded.text, loaded.file, [...loaded.overrides, value]).scenario,
  }));
}
