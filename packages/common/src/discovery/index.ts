export * from './replica-discovery.js';
export * from './rendezvous-hash.js';
