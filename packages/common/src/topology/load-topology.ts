import { readFileSync } from 'node:fs';
import { MAX_REGIONS, REGION_NAME } from '@cdn-lab/protocol';
import type { Document, LineCounter } from 'yaml';
import type * as Zod from 'zod';
import { UserError } from '../config/user-error.js';
import {
  fieldName,
  lineOf,
  parsedField,
  yamlAndZod,
  yamlSyntaxProblems,
  zodIssueProblems,
  type FieldPath as Path,
} from '../config/yaml-fields.js';
import { cidrContains, parseCidr, type Cidr } from './cidr.js';
import { parseBandwidth, parseDelay, parseLoss } from './link-units.js';
import { pairKey, type LinkSpec, type RegionSpec, type Topology } from './topology.js';

/** The most replicas one region may ask the lab for. */
export const MAX_REPLICAS_PER_REGION = 64;

function makeSchema(z: typeof Zod.z) {
  const regionName = z
    .string()
    .regex(REGION_NAME, 'a region name is a lowercase letter, then letters, digits or -');
  const numberOrText = z.union([z.number(), z.string()]);
  const delay = parsedField(numberOrText, parseDelay);
  const loss = parsedField(numberOrText, parseLoss);
  const cidr = parsedField<string, Cidr>(z.string(), parseCidr);

  const linkFields = {
    delay,
    jitter: delay.optional(),
    bandwidth: parsedField(z.string(), parseBandwidth).optional(),
    loss: loss.optional(),
  };
  const link = z.strictObject(linkFields);

  const fileSchema = z.strictObject({
    origin: regionName,
    defaultRegion: regionName.optional(),
    /** The link inside every region that does not give its own. */
    inside: link.optional(),
    regions: z
      .array(
        z.strictObject({
          name: regionName,
          replicas: z.number().int().min(0).max(MAX_REPLICAS_PER_REGION).default(1),
          loopback: cidr.optional(),
          clients: z.array(cidr).min(1).optional(),
          inside: link.optional(),
        }),
      )
      .min(1)
      .max(MAX_REGIONS),
    links: z
      .array(z.strictObject({ between: z.tuple([regionName, regionName]), ...linkFields }))
      .default([]),
  });
  return { file: fileSchema, link };
}

type Schema = ReturnType<typeof makeSchema>;
let schema: Schema | null = null;

type FileLink = Zod.infer<Schema['link']>;
type TopologyFile = Zod.infer<Schema['file']>;

const DEFAULT_INSIDE: LinkSpec = { delayMs: 1, jitterMs: 0, bytesPerSecond: null, loss: 0 };

function linkSpec(fields: FileLink): LinkSpec {
  return {
    delayMs: fields.delay,
    jitterMs: fields.jitter ?? 0,
    bytesPerSecond: fields.bandwidth ?? null,
    loss: fields.loss ?? 0,
  };
}

class TopologyProblems {
  readonly messages: string[] = [];

  constructor(
    private readonly source: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  add(path: Path, message: string): void {
    const line = lineOf(this.doc, this.lines, path);
    const where = line === null ? this.source : `${this.source}:${line}`;
    const field = path.length > 0 ? `${fieldName(path)}: ` : '';
    this.messages.push(`${where}: ${field}${message}`);
  }

  throwIfAny(): void {
    if (this.messages.length === 0) return;
    throw new UserError(
      `the topology ${this.source} is not valid:\n  ${this.messages.join('\n  ')}\n` +
        'See docs/regions.md for the file format, or topologies/three-regions.yml for an example.',
    );
  }
}

function loopbackOf(
  problems: TopologyProblems,
  given: Cidr | undefined,
  index: number,
): Cidr | null {
  const range = given ?? parseCidr(`127.${index + 1}.0.0/16`);
  if (typeof range === 'string') return null;
  const loopback = parseCidr('127.0.0.0/8') as Cidr;
  const labOwn = parseCidr('127.0.0.0/16') as Cidr;
  if (
    range.family !== 4 ||
    range.prefix < 8 ||
    range.prefix > 16 ||
    !cidrContains(loopback, 4, range.base) ||
    cidrContains(range, 4, labOwn.base)
  ) {
    problems.add(
      ['regions', index, 'loopback'],
      `${range.text} must be a /8 to /16 inside 127.0.0.0/8 that does not hold 127.0.0.1 (e.g. 127.${index + 1}.0.0/16)`,
    );
    return null;
  }
  return range;
}

/** Checks what the schema cannot: names known and unique, every pair linked once, ranges apart. */
function buildTopology(source: string, file: TopologyFile, problems: TopologyProblems): Topology {
  const names = new Set<string>();
  const regions: RegionSpec[] = [];
  const inside = file.inside ? linkSpec(file.inside) : DEFAULT_INSIDE;
  file.regions.forEach((region, index) => {
    if (names.has(region.name)) {
      problems.add(['regions', index, 'name'], `"${region.name}" is named twice`);
    }
    names.add(region.name);
    const loopback = loopbackOf(problems, region.loopback, index);
    if (!loopback) return;
    regions.push({
      name: region.name,
      replicas: region.replicas,
      loopback,
      clients: region.clients ?? [loopback],
      inside: region.inside ? linkSpec(region.inside) : inside,
    });
  });
  const known = (name: string, path: Path): void => {
    if (!names.has(name)) {
      problems.add(path, `"${name}" is not a region of this file (${[...names].join(', ')})`);
    }
  };
  known(file.origin, ['origin']);
  if (file.defaultRegion !== undefined) known(file.defaultRegion, ['defaultRegion']);

  const links = new Map<string, LinkSpec>();
  file.links.forEach((entry, index) => {
    const [a, b] = entry.between;
    known(a, ['links', index, 'between', 0]);
    known(b, ['links', index, 'between', 1]);
    const key = pairKey(a, b);
    if (a === b) {
      problems.add(['links', index, 'between'], `a region's own link is its "inside" field`);
    } else if (links.has(key)) {
      problems.add(['links', index, 'between'], `${a}–${b} is linked twice`);
    }
    links.set(key, linkSpec(entry));
  });
  const all = [...names];
  all.forEach((a, i) =>
    all.slice(i + 1).forEach((b) => {
      if (!links.has(pairKey(a, b))) problems.add(['links'], `no link between ${a} and ${b}`);
    }),
  );

  const owners = new Map<string, string>();
  for (const region of regions) {
    for (const range of [region.loopback, ...region.clients]) {
      const key = `${range.family}:${range.base}/${range.prefix}`;
      const owner = owners.get(key);
      if (owner !== undefined && owner !== region.name) {
        problems.add(['regions'], `${range.text} is a range of both ${owner} and ${region.name}`);
      }
      owners.set(key, region.name);
    }
  }
  problems.throwIfAny();
  return {
    source,
    regions,
    origin: file.origin,
    defaultRegion: file.defaultRegion ?? regions[0]?.name ?? file.origin,
    links,
  };
}

/** A topology from YAML or JSON text (JSON is YAML); `source` names it in messages. */
export function parseTopology(text: string, source: string): Topology {
  const { z, yaml } = yamlAndZod();
  schema ??= makeSchema(z);
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems = new TopologyProblems(source, doc, lines);
  problems.messages.push(...yamlSyntaxProblems(doc, lines, source));
  problems.throwIfAny();
  const result = schema.file.safeParse(doc.toJS());
  if (!result.success) {
    zodIssueProblems(result.error.issues, (path, message) => problems.add(path, message));
    problems.throwIfAny();
    throw new UserError(`the topology ${source} is not valid`);
  }
  return buildTopology(source, result.data, problems);
}

/** Reads and checks a topology file; every problem is a UserError naming the file and line. */
export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read the topology ${file}${code === 'ENOENT' ? ': no such file' : ` (${code})`}`,
    );
  }
  return parseTopology(text, file);
}
