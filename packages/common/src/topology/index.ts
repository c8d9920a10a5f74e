export * from './cidr.js';
export * from './coverage-zone.js';
export * from './link-units.js';
export * from './load-topology.js';
export * from './topology.js';
export * from './default-topology.js';
export * from './loopback-addresses.js';
