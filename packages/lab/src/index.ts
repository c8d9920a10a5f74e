export { startLab, type Lab, type RoleExit } from './lab.js';
export { LAB_DEFAULTS, type LabOptions } from './lab-options.js';
export {
  roleCliPath,
  spawnRole,
  type Exit,
  type Role,
  type RoleProcess,
  type SpawnOptions,
} from './role-process.js';
export * from './experiments/scenario/index.js';
