export * from './report-data.js';
export { renderExperimentReport } from './experiment-report.js';
export { timeseriesCsv } from './csv.js';
