import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  UserError,
  canonicalObjectPath,
  formatQueryPolicy,
  objectKey,
  parseQueryPolicy,
  type QueryPolicy,
} from '../src/index.js';

const KEEP: QueryPolicy = { kind: 'keep' };
const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

const unreservedText = fc
  .array(fc.constantFrom(...UNRESERVED), { minLength: 1, maxLength: 8 })
  .map((characters) => characters.join(''));

/** Paths of unreserved segments, some with a query of name=value parameters. */
const plainPath = fc
  .record({
    segments: fc.array(unreservedText, { minLength: 1, maxLength: 4 }),
    query: fc.option(fc.array(fc.tuple(unreservedText, unreservedText), { maxLength: 3 }), {
      nil: undefined,
    }),
  })
  .filter(({ segments }) => segments.every((segment) => segment !== '.' && segment !== '..'))
  .map(({ segments, query }) => {
    const pathname = `/${segments.join('/')}`;
    if (query === undefined || query.length === 0) return pathname;
    return `${pathname}?${query.map(([name, value]) => `${name}=${value}`).join('&')}`;
  });

function escape(character: string, lowercase: boolean): string {
  const hex = character.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${lowercase ? hex : hex.toUpperCase()}`;
}

/** The same path with some of its unreserved characters percent-escaped, in either case. */
function respelled(path: string, choices: boolean[]): string {
  let out = '';
  [...path].forEach((character, index) => {
    const choice = choices[index % choices.length] ?? false;
    const escapable = UNRESERVED.includes(character) && index % 3 !== 0;
    out += escapable && choice ? escape(character, index % 2 === 0) : character;
  });
  return out;
}

/** Arbitrary text, also with escapes (valid or not), separators and non-ASCII. */
const anyPath = fc
  .array(
    fc.oneof(
      fc.constantFrom('/', '//', '.', '..', '?', '&', '=', '#', '%', '%2e', '%2F', '%zz', '\\'),
      fc.constantFrom('%41', '%7e', '%c3%a9', 'é', ' ', '%20', '[', '|'),
      fc.string({ maxLength: 5 }),
    ),
    { maxLength: 12 },
  )
  .map((pieces) => pieces.join(''));

const anyPolicy = fc.oneof(
  fc.constant<QueryPolicy>({ kind: 'keep' }),
  fc.constant<QueryPolicy>({ kind: 'ignore' }),
  fc
    .array(unreservedText, { minLength: 1, maxLength: 3 })
    .map((names): QueryPolicy => ({ kind: 'allow', names })),
);

describe('object keys', () => {
  it('escapes a % that starts no escape, so decoding the next one cannot make a new escape', () => {
    // fast-check found this one: "%%41a" became "%Aa", whose key was "%AA", another object.
    assert.equal(objectKey('/%%41a', KEEP), '/%25Aa');
    assert.equal(objectKey(objectKey('/%%41a', KEEP), KEEP), '/%25Aa');
    assert.equal(objectKey('/50%', KEEP), '/50%25');
    assert.equal(objectKey('/%zz', KEEP), '/%25zz');
  });

  it('gives the equivalent spellings of the issue one key', () => {
    const spellings = ['/1k.bin', '/%31k.bin', '/1%6B.bin', '/1%6b.bin', '/1k.bin?', '//1k.bin'];
    const keys = spellings.map((spelling) => objectKey(`/objects${spelling}`, KEEP));
    assert.deepEqual(new Set(keys), new Set(['/objects/1k.bin']));
    assert.equal(objectKey('/a%2fb%5c', KEEP), '/a%2Fb%5C', 'reserved escapes stay, in uppercase');
    assert.equal(objectKey('/a b/é?q=é', KEEP), '/a%20b/%C3%A9?q=%C3%A9', 'as a URL carries it');
  });

  it('never throws, and is idempotent, for any text and policy', () => {
    fc.assert(
      fc.property(anyPath, anyPolicy, (path, policy) => {
        const key = objectKey(path, policy);
        assert.ok(key.startsWith('/'), key);
        assert.equal(objectKey(key, policy), key, `${path} -> ${key}`);
        const canonical = canonicalObjectPath(path, policy);
        assert.equal(canonicalObjectPath(canonical, policy), canonical);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves no escaped unreserved character and no lowercase escape', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        for (const [, hex = ''] of objectKey(path, KEEP).matchAll(/%([0-9A-Fa-f]{2})/g)) {
          assert.equal(hex, hex.toUpperCase());
          assert.ok(!UNRESERVED.includes(String.fromCharCode(Number.parseInt(hex, 16))), hex);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('gives every spelling of a path one key: escaped unreserved characters, hex case, an empty ?', () => {
    fc.assert(
      fc.property(plainPath, fc.array(fc.boolean(), { minLength: 1 }), (path, choices) => {
        const key = objectKey(path, KEEP);
        assert.equal(key, path, 'a plain path is its own key');
        assert.equal(objectKey(respelled(path, choices), KEEP), key);
        if (!path.includes('?')) assert.equal(objectKey(`${path}?`, KEEP), key);
      }),
      { numRuns: 1000 },
    );
  });

  it('applies the query policy: keep all, ignore all, or allow only the named parameters', () => {
    const path = '/a.js?v=2&utm_source=x&bust=9&%76=3';
    assert.equal(objectKey(path, KEEP), '/a.js?v=2&utm_source=x&bust=9&v=3');
    assert.equal(objectKey(path, { kind: 'ignore' }), '/a.js');
    assert.equal(objectKey(path, parseQueryPolicy('allow=v')), '/a.js?v=2&v=3');
    assert.equal(objectKey('/a.js?bust=1', parseQueryPolicy('allow=v,w')), '/a.js');
    fc.assert(
      fc.property(plainPath, anyPolicy, (path, policy) => {
        const key = objectKey(path, policy);
        const query = key.includes('?') ? key.slice(key.indexOf('?') + 1) : '';
        if (policy.kind === 'ignore') assert.equal(query, '');
        if (policy.kind !== 'allow') return;
        for (const parameter of query.split('&').filter((p) => p !== '')) {
          assert.ok(policy.names.includes(parameter.split('=')[0] ?? ''), parameter);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads the policy as --query spells it, and refuses anything else naming the setting', () => {
    for (const text of ['keep', 'ignore', 'allow=v', 'allow=v,width']) {
      assert.equal(formatQueryPolicy(parseQueryPolicy(text)), text);
    }
    for (const text of ['', 'drop', 'allow=', 'allow=a,,b', 'allow=a=b', 'allow']) {
      assert.throws(
        () => parseQueryPolicy(text),
        (error: unknown) => error instanceof UserError && /--query/.test(error.message),
        text,
      );
    }
  });
});
