import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** uPlot's browser build and stylesheet, read from the installed package (to be inlined). */
export interface UplotAssets {
  script: string;
  css: string;
}

let cached: UplotAssets | null = null;

export function uplotAssets(): UplotAssets {
  cached ??= {
    script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return cached;
}
