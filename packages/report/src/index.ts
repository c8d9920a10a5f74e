export * from './report-data.js';
