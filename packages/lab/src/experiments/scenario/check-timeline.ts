import { zodIssueProblems, type FieldPath } from '@cdn-lab/common';
import { strategyProblem } from './check-lab.js';
import { isMapping } from './field-override.js';
import { LabShape } from './lab-shape.js';
import type { TimelineAction, TimelineStep, TimelineVerb } from './scenario.js';
import type { ScenarioProblems } from './scenario-problems.js';
import { formatMs } from './scenario-units.js';
import {
  TIMELINE_VERBS,
  actionOf,
  isTimelineVerb,
  labelOf,
  stepSchemas,
} from './timeline-verbs.js';
import { zipfObjectPath } from './zipf-objects.js';

interface ParsedStep {
  step: TimelineStep;
  index: number;
}

const VERB_LIST = TIMELINE_VERBS.join(', ');

/** One step's `at` and its one verb, through that verb's schema; null if it has a problem. */
function parseStep(raw: unknown, index: number, problems: ScenarioProblems): ParsedStep | null {
  const path: FieldPath = ['timeline', index];
  if (!isMapping(raw)) {
    problems.add(path, 'a step is a mapping like {at: 10s, kill: replica-2}');
    return null;
  }
  const keys = Object.keys(raw);
  const verbs = keys.filter(isTimelineVerb);
  if (verbs.length > 1) {
    problems.add(path, `has ${verbs.length} verbs (${verbs.join(', ')}): one step does one thing`);
    return null;
  }
  const verb: TimelineVerb | undefined = verbs[0];
  if (verb === undefined) {
    const other = keys.find((key) => key !== 'at');
    problems.add(
      other === undefined ? path : [...path, other],
      other === undefined
        ? `has no verb; verbs are ${VERB_LIST}`
        : `"${other}" is not a verb; verbs are ${VERB_LIST}`,
    );
    return null;
  }
  const schema = stepSchemas()[verb];
  const result = schema.safeParse(raw);
  if (!result.success) {
    const known = Object.keys(schema.shape).join(', ');
    zodIssueProblems(result.error.issues, (issuePath, message, code) => {
      const missing = issuePath.length === 1 && raw[issuePath[0] as string] === undefined;
      problems.add(
        [...path, ...issuePath],
        code === 'unrecognized_keys'
          ? `is not a field of a ${verb} step (${known})`
          : missing
            ? 'is required'
            : message,
      );
    });
    return null;
  }
  const action = actionOf(verb, result.data);
  if (action.verb === 'fault' && Object.keys(action.faults).length === 0) {
    problems.add(path, `names no fault; give one or more of ${fields(verb)}`);
    return null;
  }
  const line = problems.lineOf(path);
  return { step: { ...action, atMs: result.data.at, label: labelOf(action), line }, index };
}

function fields(verb: TimelineVerb): string {
  return Object.keys(stepSchemas()[verb].shape)
    .filter((key) => key !== 'at' && key !== verb)
    .join(', ');
}

export interface TimelineContext {
  shape: LabShape;
  /** A topology that could not be read: names and regions are not checked against it. */
  topologyUnread: boolean;
  durationMs: number;
  /** The paths a hot step may name (a zipf mix: its object count); null: not known. */
  hotPaths: { paths: string[] } | { objects: number } | null;
}

function replicaOf(action: TimelineAction): string | null {
  return 'replica' in action ? action.replica : null;
}

/** What is wrong with this step in the lab as it is at its time; null: nothing. */
function stepProblem(action: TimelineAction, context: TimelineContext): [string, string] | null {
  const { shape } = context;
  const replica = replicaOf(action);
  const flat = shape.topology === null && !context.topologyUnread;
  if (replica !== null && (flat || shape.topology)) {
    const edgeOnly = action.verb === 'drain' || action.verb === 'undrain';
    if (edgeOnly && shape.isShield(replica)) {
      return [action.verb, `${replica} is a shield; the balancer routes to edges only`];
    }
    if (!shape.isEdge(replica) && !shape.isShield(replica)) {
      const exist = shape.describe(!edgeOnly);
      return [action.verb, `"${replica}" is not a replica of this lab at that time (${exist})`];
    }
  }
  switch (action.verb) {
    case 'strategy': {
      const problem = strategyProblem(
        action.strategy,
        shape.topology !== null || context.topologyUnread,
      );
      return problem ? ['strategy', problem] : null;
    }
    case 'scale':
      if (shape.topology !== null || context.topologyUnread) {
        return ['scale', 'scale is for the flat lab; with a topology use region steps'];
      }
      shape.scale(action.replicas);
      return null;
    case 'region':
      if (shape.topology === null && !context.topologyUnread) {
        return ['region', 'region steps need lab.topology'];
      }
      if (shape.topology && !shape.regions.includes(action.region)) {
        return ['region', `"${action.region}" is not a region (${shape.regions.join(', ')})`];
      }
      return null;
    case 'hot':
      return hotProblem(action.path, context);
    default:
      return null;
  }
}

function hotProblem(path: string, context: TimelineContext): [string, string] | null {
  const known = context.hotPaths;
  if (known === null) return null;
  if ('paths' in known) {
    return known.paths.includes(path) ? null : ['hot', `${path} is not a path of the paths file`];
  }
  const match = /^\/objects\/(0|[1-9][0-9]*)\.bin$/.exec(path);
  if (match && Number(match[1]) < known.objects) return null;
  const last = zipfObjectPath(known.objects - 1);
  return ['hot', `${path} is not an object of the mix (${zipfObjectPath(0)}…${last})`];
}

/** The steps sorted by time (file order at equal times), each checked against the lab then. */
export function checkTimeline(
  raw: unknown[],
  context: TimelineContext,
  problems: ScenarioProblems,
): TimelineStep[] {
  const parsed = raw
    .map((step, index) => parseStep(step, index, problems))
    .filter((step): step is ParsedStep => step !== null)
    .sort((a, b) => a.step.atMs - b.step.atMs);
  for (const { step, index } of parsed) {
    if (step.atMs > context.durationMs) {
      problems.add(
        ['timeline', index, 'at'],
        `${formatMs(step.atMs)} is past the load's duration (${formatMs(context.durationMs)})`,
      );
    }
    const problem = stepProblem(step, context);
    if (problem) problems.add(['timeline', index, problem[0]], problem[1]);
  }
  return parsed.map(({ step }) => step);
}
