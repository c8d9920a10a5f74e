import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeseriesCsv } from '../src/csv.js';
import { sampleReport } from './sample-data.js';

/** Splits RFC 4180 text into records of fields (quoted fields may hold commas and quotes). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
      i += 1;
    } else field += char;
  }
  return records;
}

describe('timeseriesCsv', () => {
  it('writes a header and one row per sample per series of every variant', () => {
    const data = sampleReport();
    const [header, ...rows] = parseCsv(timeseriesCsv(data));
    assert.deepEqual(header, ['variant', 't_s', 'chart', 'series', 'value']);
    const expected = data.variants.reduce((n, v) => n + v.times.length * v.series.length, 0);
    assert.equal(rows.length, expected);
    for (const variant of data.variants) {
      for (const series of variant.series) {
        const mine = rows.filter(
          (row) => row[0] === variant.label && row[2] === series.chart && row[3] === series.name,
        );
        assert.deepEqual(
          mine.map((row) => row[1]),
          variant.times.map(String),
          `${variant.label} ${series.name}: a row per sample, in time order`,
        );
      }
    }
  });

  it('leaves a null sample empty and quotes fields with commas or quotes', () => {
    const text = timeseriesCsv(sampleReport());
    assert.match(text, /^strategy=consistent,2,latency,p99 all,\r$/m);
    assert.match(
      text,
      /^"strategy=a,""b""",1,errors,"failover CONNECTION_REFUSED, ""reset""",0\r$/m,
    );
    const rows = parseCsv(text);
    assert.ok(
      rows.every((row) => row.length === 5),
      'every record has five fields',
    );
  });
});
