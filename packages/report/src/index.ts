export * from './report-data.js';
export type * from './bench-report-data.js';
export { renderExperimentReport } from './experiment-report.js';
export { renderBenchReport } from './bench-report.js';
export { timeseriesCsv } from './csv.js';
