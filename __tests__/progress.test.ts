/**
 * Progress while waiting, as a person sees it: on a terminal (a pseudo-terminal from `script`)
 * one status line updates in place; piped to a file, plain lines only; --quiet, none.
 */
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const demo = '__tests__/helpers/progress-demo.mjs'
const canRun = existsSync('lib/src/cli/live-status.js') && existsSync('/usr/bin/script')
const ESC = '\u001b['

;(canRun ? describe : describe.skip)('progress lines', () => {
  it('on a terminal: one live line, redrawn in place, then the phase result', () => {
    const out = execFileSync(
      'script',
      ['-qec', `stty cols 120 rows 40; ${process.execPath} ${demo}`, '/dev/null'],
      {
        encoding: 'utf8',
        env: { ...process.env, TERM: 'xterm' }
      }
    )
    expect(out).toContain('pods 1/3 Ready')
    expect(out).toContain('pods 2/3 Ready')
    // Erase-line sequences: the status line is rewritten, not appended.
    expect(out).toContain(`${ESC}2K`)
    expect(out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \d+\.\ds waiting/)
    expect(out).toContain('✓ Form: green with 3 nodes (0.7s)')
  })

  it('piped: plain lines only, each progress line once', () => {
    const out = execFileSync(process.execPath, [demo], { encoding: 'utf8' })
    expect(out).not.toContain(ESC)
    expect(out.split('\n').filter((l) => /waiting \ds for green/.test(l))).toHaveLength(2)
    expect(out).toMatch(/^\[ *\d+\.\ds\] ▶ Form: green with 3 nodes\n/)
  })

  it('--quiet: the phase start and result, no progress', () => {
    const out = execFileSync(process.execPath, [demo, '--quiet'], { encoding: 'utf8' })
    expect(out).not.toMatch(/waiting/)
    expect(out.trim().split('\n')).toHaveLength(2)
  })
})
