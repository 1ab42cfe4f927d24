/**
 * Import direction (DESIGN.md "Layout"): data flows one way, and so do imports.
 * src/ is the pure engine: no rxjs, no node:*, no DOM, no I/O libraries. Inside src/, a stage
 * imports only earlier stages, math/ and its side-input model folders.
 */
const STAGES = ['audio', 'frames', 'features', 'scoring', 'search'];
const laterThan = (stage) => STAGES.slice(STAGES.indexOf(stage) + 1);

module.exports = {
  forbidden: [
    {
      name: 'engine-is-pure',
      comment: 'src/ runs unchanged in a page, a worker or a worklet: no Node built-ins, no RxJS, no sockets, no native audio.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'engine-has-no-io-libraries',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: 'node_modules/(rxjs|ws|node-web-audio-api|music-metadata|commander|tsx)/' },
    },
    {
      name: 'engine-does-not-import-outer-layers',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(streams|cli|bench|test|demo|tools)/' },
    },
    {
      name: 'streams-do-not-import-cli',
      severity: 'error',
      from: { path: '^streams/' },
      to: { path: '^(cli|bench|test|demo|tools)/' },
    },
    {
      name: 'cli-does-not-import-bench-or-tests',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^(bench|test|demo|tools)/' },
    },
    ...STAGES.map((stage) => ({
      name: `stage-${stage}-imports-only-earlier-stages`,
      severity: 'error',
      from: { path: `^src/${stage}/` },
      to: { path: `^src/(${laterThan(stage).join('|') || 'NONE'})/` },
    })),
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
