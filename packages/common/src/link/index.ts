export * from './link-schedule.js';
export * from './outbound-link.js';
export * from './inbound-link.js';
