import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBenchReport } from '../src/bench-report.js';
import { renderExperimentReport } from '../src/experiment-report.js';
import { uplotAssets } from '../src/uplot-assets.js';
import { HOSTILE_SCENARIO, sampleBench, sampleReport } from './sample-data.js';

const DATA_ELEMENT = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/;

/** The page without the inlined uPlot build, whose banner comment names its home page. */
function withoutUplot(html: string): string {
  const { script } = uplotAssets();
  assert.ok(html.includes(script), 'uPlot is inlined whole');
  return html.replace(script, '');
}

function assertSelfContained(html: string): void {
  assert.doesNotMatch(withoutUplot(html), /https?:\/\//i, 'no web address outside uPlot');
  assert.doesNotMatch(html, /\b(src|href)\s*=/i, 'nothing loaded by src or href');
  assert.doesNotMatch(html, /@import|url\(/i, 'no style sheet loads anything');
  assert.ok(html.includes(uplotAssets().css), 'uPlot style inlined');
}

describe('renderExperimentReport', () => {
  it('is one file that loads nothing from outside', () => {
    assertSelfContained(renderExperimentReport(sampleReport()));
  });

  it('carries the data intact, with a </script> in the scenario unable to end its element', () => {
    const data = sampleReport();
    const html = renderExperimentReport(data);
    const json = DATA_ELEMENT.exec(html)?.[1];
    assert.ok(json !== undefined);
    assert.ok(!json.includes('<'), 'no < inside the data element');
    assert.deepEqual(JSON.parse(json), data);
    // The page's own scripts close where they should: no hostile <script> element starts.
    assert.ok(!html.includes('<script>window.pwned'), 'the scenario text opens no element');
    assert.ok(html.includes('x &lt;/script&gt;&lt;script&gt;window.pwned'), 'shown as text');
    assert.ok(HOSTILE_SCENARIO.includes('</script>'));
  });

  it('has a summary row per variant and escapes its values', () => {
    const html = renderExperimentReport(sampleReport());
    const rows = html.match(/<tr><th scope="row">/g) ?? [];
    assert.equal(rows.length, 2);
    assert.ok(html.includes('&lt;b&gt;bold&lt;/b&gt;'));
    assert.ok(html.includes('<h1>A &lt;sample&gt; report</h1>'));
  });
});

describe('the experiment report header and summary', () => {
  it('names each compared value once, without repeating the field', () => {
    const html = renderExperimentReport(sampleReport());
    assert.match(
      html,
      /Compared: <code>strategy<\/code> = <code>consistent<\/code>, <code>a,&quot;b&quot;<\/code><\/p>/,
    );
  });

  it('lists the --set overrides in force in the meta line', () => {
    const html = renderExperimentReport(sampleReport());
    assert.match(
      html,
      /Run started [^<]* with <code>--set load\.duration=5s<\/code> <code>--set lab\.replicas=3<\/code> ·/,
    );
    const plain = renderExperimentReport({ ...sampleReport(), overrides: [] });
    assert.doesNotMatch(plain, /--set/);
  });

  it('shows a summary value with nothing to show (no requests) as –', () => {
    const html = renderExperimentReport(sampleReport());
    assert.match(html, /<td>–<\/td><td>&lt;b&gt;bold/);
    assert.match(html, /<td class="num">12\.5<\/td>/);
  });
});

describe('renderBenchReport', () => {
  it('draws every benchmark from its rows, self-contained, with goals and verdicts', () => {
    const data = sampleBench();
    const html = renderBenchReport(data);
    assertSelfContained(html);
    assert.deepEqual(JSON.parse(DATA_ELEMENT.exec(html)?.[1] ?? ''), data);
    assert.match(html, /<h2>B1: routes per CPU-second<\/h2>/);
    assert.match(html, /<h2>B2: bulk throughput<\/h2>/);
    assert.match(html, /<td>≥ 0\.8× nginx<\/td><td><span class="missed">MISSED<\/span>/);
    assert.match(html, /<td class="num">150,000 \(bare node\)<\/td>/);
  });
});
