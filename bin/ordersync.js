#!/usr/bin/env node
// The CLI is TypeScript run by Node's type stripping (Node >= 24.11 strips types by default, no build step).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 11)) {
  console.error(
    `ordersync needs Node >= 24.11 (this is ${process.version}). ` +
      'Run it as `npx ordersync …` inside the project so the pinned Node from node_modules is used.',
  );
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
