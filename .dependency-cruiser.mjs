// The import rules `npm run lint` enforces (dependency-cruiser): no cycles, and the layers of
// docs/architecture.md — protocol ← common ← {origin, replica, balancer, client} ← lab; bench
// and e2e sit on top. Type-only imports count: a contract hidden in the module that builds its
// consumers is still a cycle. (dependency-cruiser 17: 18 needs Node 22, and lint runs on 20 too.)
const ROLES = 'origin|replica|balancer|client';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not import each other, directly or through others.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-is-the-base',
      severity: 'error',
      comment: 'The protocol package has no dependency on any other package of ours.',
      from: { path: '^packages/protocol/' },
      to: { path: '^(packages/(?!protocol/)|bench/|e2e/)' },
    },
    {
      name: 'report-stands-alone',
      severity: 'error',
      comment: 'The report package draws data it is given; it depends on no package of ours.',
      from: { path: '^packages/report/' },
      to: { path: '^(packages/(?!report/)|bench/|e2e/)' },
    },
    {
      name: 'roles-do-not-draw-reports',
      severity: 'error',
      comment: 'Reports are drawn by the lab and the benchmarks, above the roles.',
      from: { path: '^packages/(protocol|common|origin|replica|balancer|client)/' },
      to: { path: '^packages/report/' },
    },
    {
      name: 'common-only-on-protocol',
      severity: 'error',
      comment: 'common builds on protocol only.',
      from: { path: '^packages/common/' },
      to: { path: '^(packages/(?!protocol/|common/)|bench/|e2e/)' },
    },
    {
      name: 'no-role-imports-another-role',
      severity: 'error',
      comment: 'A role builds on protocol and common; the lab starts roles as processes.',
      from: { path: `^packages/(${ROLES})/` },
      to: { path: `^(packages/(?!protocol/|common/|$1/)|bench/|e2e/)` },
    },
    {
      name: 'lab-below-bench-and-e2e',
      severity: 'error',
      comment: 'No package depends on the benchmarks or the end-to-end suite.',
      from: { path: '^packages/' },
      to: { path: '^(bench|e2e)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that cannot be resolved would hide its edges from the rules above.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too (see the top of this file).
    tsPreCompilationDeps: true,
    // Resolves `@cdn-lab/<package>` to that package's src/index.ts, so the rules see the sources
    // (not a build output that may not exist yet) and a cycle through a package's index shows.
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    skipAnalysisNotInRules: true,
  },
};
