import { readFileSync } from 'node:fs';
import { UserError, yamlAndZod, zodIssueProblems, type FieldPath } from '@cdn-lab/common';
import { checkClients, checkLab, checkMix } from './check-lab.js';
import { checkTimeline } from './check-timeline.js';
import { isMapping, withOverrides, type Compare, type FieldOverride } from './field-override.js';
import { scenarioFileSchema, type ScenarioFile } from './file-schema.js';
import { LabShape } from './lab-shape.js';
import type { Scenario } from './scenario.js';
import { fieldsUnder, resolveField } from './scenario-fields.js';
import { ScenarioProblems } from './scenario-problems.js';

/** A scenario file read and checked, with what `cdn-lab run` needs to run it again. */
export interface LoadedScenario {
  scenario: Scenario;
  /** The file exactly as read (the run folder keeps it as scenario.yml). */
  text: string;
  file: string;
  /** The file's own `compare`, or null. */
  compare: Compare | null;
  /** The `--set` overrides it was loaded with; every variant keeps them. */
  overrides: FieldOverride[];
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function fileCompare(file: ScenarioFile, problems: ScenarioProblems): Compare | null {
  if (!file.compare) return null;
  const entries = Object.entries(file.compare);
  if (entries.length !== 1) {
    problems.add(['compare'], `compares one field at a time (this names ${entries.length})`);
    return null;
  }
  const [name, values] = entries[0] as [string, unknown[]];
  let field: string;
  try {
    field = resolveField(name, 'compare');
  } catch (error) {
    problems.add(['compare', name], (error as Error).message.replace(/^compare: /, ''));
    return null;
  }
  return {
    field,
    values: values.map((value, index) => ({
      field,
      value,
      text: valueText(value),
      origin: 'compare',
      line: problems.lineOf(['compare', name, index]),
    })),
  };
}

function schemaMessage(input: unknown, path: FieldPath, message: string, code: string): string {
  if (code === 'unrecognized_keys') {
    const prefix = path.slice(0, -1).join('.');
    return `is not a field here (fields: ${fieldsUnder(prefix).join(', ')})`;
  }
  let value: unknown = input;
  for (const key of path) value = isMapping(value) ? value[key as string] : undefined;
  return value === undefined && path.length > 0 ? 'is required' : message;
}

/** The checked scenario from the file's text with the overrides applied; throws a UserError. */
export function checkScenario(
  text: string,
  file: string,
  overrides: readonly FieldOverride[],
): { scenario: Scenario; compare: Compare | null } {
  const { yaml } = yamlAndZod();
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems = new ScenarioProblems(file, doc, lines, overrides);
  for (const error of doc.errors) {
    const line = lines.linePos(error.pos[0]).line;
    problems.addWritten(line, `${file}:${line}: ${error.message.split('\n')[0]}`);
  }
  problems.throwIfAny();
  const input = withOverrides(doc.toJS(), overrides);
  if (!isMapping(input)) {
    throw new UserError(`${file}: a scenario is a mapping with name, load and more`, 2);
  }
  const result = scenarioFileSchema().safeParse(input);
  if (!result.success) {
    zodIssueProblems(result.error.issues, (path, message, code) =>
      problems.add(path, schemaMessage(input, path, message, code)),
    );
    problems.throwIfAny();
  }
  const parsed = result.data as ScenarioFile;
  const checked = checkLab(parsed, file, problems);
  const clients = checkClients(parsed.load.clients, checked, problems);
  const mix = checkMix(parsed.load.mix, file, problems);
  const shape = new LabShape(checked.topology, checked.lab.replicas, checked.lab.shield);
  const timeline = checkTimeline(
    parsed.timeline,
    {
      shape,
      topologyUnread: checked.topologyUnread,
      durationMs: parsed.load.duration,
      hotPaths:
        mix === null
          ? null
          : mix.paths
            ? { paths: mix.paths }
            : mix.mix.kind === 'zipf'
              ? { objects: mix.mix.objects }
              : null,
    },
    problems,
  );
  const compare = fileCompare(parsed, problems);
  problems.throwIfAny();
  const scenario: Scenario = {
    name: parsed.name,
    description: parsed.description,
    seed: parsed.seed,
    lab: checked.lab,
    load: {
      clients,
      mix: (mix as NonNullable<typeof mix>).mix,
      rate: parsed.load.rate ?? null,
      durationMs: parsed.load.duration,
    },
    sampleMs: parsed.sample,
    timeline,
  };
  return { scenario, compare };
}

function readScenario(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code;
    throw new UserError(`cannot read the scenario ${file}: ${why}`, 2);
  }
}

/**
 * Reads and checks a scenario file: defaults filled, paths resolved against its folder, every
 * replica a step names known to exist then. Every mistake is a UserError (exit code 2), one line
 * each, naming the file, the line and the field.
 */
export function loadScenario(
  file: string,
  options: { overrides?: FieldOverride[] } = {},
): LoadedScenario {
  const text = readScenario(file);
  const overrides = options.overrides ?? [];
  const { scenario, compare } = checkScenario(text, file, overrides);
  return { scenario, text, file, compare, overrides };
}
