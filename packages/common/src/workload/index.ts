export * from './zipf.js';
