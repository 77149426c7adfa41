// Jest transformer: esbuild strips the TypeScript types; `npm run typecheck` (tsc) checks them.
// esbuild is already the project's bundler, so this avoids a second TypeScript toolchain (ts-jest, babel).
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
};
