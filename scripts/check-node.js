// Runs before `npm test`: npm puts node_modules/.bin first on PATH, so this must be the pinned Node.
// If it is not, the `node` devDependency did not install (e.g. `npm ci --ignore-scripts`) and every
// later step would fail with a far less helpful error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 11)) {
  console.error(
    `ordermesh-sync needs Node >= 24.11 (found ${process.version}). ` +
      'Run `npm ci` (without --ignore-scripts) so the pinned node package installs, or `npm rebuild node`.',
  );
  process.exit(1);
}
