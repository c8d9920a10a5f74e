export * from './cli.js';
export * from './endpoint.js';
export * from './listen.js';
export * from './logger.js';
export * from './servers-file.js';
export * from './shutdown.js';
export * from './units.js';
export * from './user-error.js';
