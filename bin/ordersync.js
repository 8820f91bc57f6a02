#!/usr/bin/env node
// The CLI is TypeScript run by Node's type stripping (Node >= 24.11 strips types by default, no build step).
// The default export: Node 20, which has no enableCompileCache, must get as far as the version check.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 11)) {
  console.error(
    `ordersync needs Node >= 24.11 (this is ${process.version}). ` +
      'Run it as `bin/ordersync …` (or `npx ordersync …`) inside the project so the pinned Node from node_modules is used.',
  );
  process.exit(2);
}
// Node keeps the compiled code of the modules it loads (stripped TypeScript included) on disk, in
// $NODE_COMPILE_CACHE or the temp dir, so a command does not compile its ~600 modules again on every run:
// about a third of `status`'s CPU time (issue 36, bench/results/startup-*.json). A dir it cannot write
// leaves it off; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
