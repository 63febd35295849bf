import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'lib/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // The engine and the lint know no CI system: the action hands them its toolkit through ports.
    files: ['src/engine/**/*.ts', 'src/lint/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@actions/*'],
              message:
                'The engine must not know GitHub: take it through a port (see src/engine/system.ts).'
            },
            {
              group: ['**/action/*', '**/cli/*'],
              message: 'The engine must not import a front end.'
            }
          ]
        }
      ]
    }
  }
)
