// Bundles the action's entry points, the CLI and the local cluster into dist/, as the official
// action template does: users run dist/ without installing node_modules.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'
import license from 'rollup-plugin-license'

const entries = {
  main: 'src/action/main.ts',
  post: 'src/action/post.ts',
  cli: 'src/cli/main.ts',
  'local-cluster': 'local-cluster/agent/main.ts'
}

export default {
  input: entries,
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name].js',
    sourcemap: false,
    banner: (chunk) =>
      chunk.isEntry && (chunk.name === 'cli' || chunk.name === 'local-cluster')
        ? '#!/usr/bin/env node'
        : ''
  },
  onwarn(warning, warn) {
    // Circular imports and `this` at the top of CommonJS dependencies are theirs, not ours.
    if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return
    warn(warning)
  },
  plugins: [
    typescript({
      tsconfig: './tsconfig.json',
      compilerOptions: { outDir: 'dist', sourceMap: false, declaration: false, noEmit: false },
      include: ['src/**/*.ts', 'local-cluster/**/*.ts']
    }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    // undici loads node:http2 inside try/catch; left as require() it would be undefined in ESM.
    commonjs({ ignoreTryCatch: (id) => id !== 'node:http2' }),
    json(),
    // The licence of every package bundled into dist/, as their licences require.
    license({ thirdParty: { output: { file: 'dist/licenses.txt' }, includePrivate: false } })
  ]
}
