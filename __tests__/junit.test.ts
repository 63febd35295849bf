import { describe, expect, it } from '@jest/globals'
import { XMLValidator, XMLParser } from 'fast-xml-parser'
import { junitSchemaErrors as schemaErrors } from './helpers/junit-schema.js'
import { toJUnit, type Report } from '../src/engine/report.js'

const base: Report = {
  verdict: 'failed',
  startedAt: '2026-11-27T05:00:00.000Z',
  endedAt: '2026-11-27T05:01:00.000Z',
  durationMs: 60_000,
  provider: 'local',
  cluster: 'c',
  statefulset: 'es-cluster',
  phases: [
    {
      name: 'form',
      title: 'Form: green with 3 nodes',
      status: 'passed',
      startedAt: 1,
      endedAt: 2,
      durationMs: 1
    }
  ],
  rounds: [],
  disruptions: [],
  warnings: [],
  reportDir: '/r'
}

describe('junit.xml', () => {
  it('the schema check itself rejects what the schema forbids', async () => {
    expect(await schemaErrors('<testsuites><testsuite/></testsuites>')).not.toEqual([])
  })

  it('shows a failure that happened between phases, as a test case of its own', async () => {
    const xml = toJUnit({
      ...base,
      error: { message: 'Cannot reach the Kubernetes API server at https://127.0.0.1:1' }
    })
    expect(XMLValidator.validate(xml)).toBe(true)
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml)
    expect(doc.testsuites['@_failures']).toBe('1')
    const cases = doc.testsuites.testsuite.testcase
    expect(cases[1]['@_name']).toBe('Run')
    expect(cases[1].failure['@_message']).toMatch(/^Cannot reach the Kubernetes API server/)
    expect(await schemaErrors(xml)).toEqual([])
  })

  it('stays well-formed whatever a message holds: control characters, lone surrogates, markup', async () => {
    const hostile = 'engine said \u0000\u0007\u001b[31mred\u001b[0m \ud800 <x a="1"> & ]]> \'q\''
    const xml = toJUnit({
      ...base,
      phases: [{ ...base.phases[0], status: 'failed', error: hostile }],
      error: { phase: 'form', message: hostile }
    })
    expect(XMLValidator.validate(xml)).toBe(true)
    // eslint-disable-next-line no-control-regex -- control characters are what is checked
    expect(xml).not.toMatch(/[\u0000-\u0008\u001b]/)
    expect(new XMLParser({ ignoreAttributes: false }).parse(xml).testsuites['@_failures']).toBe('1')
    expect(await schemaErrors(xml)).toEqual([])
  })

  it('a passed run has no failure', async () => {
    const xml = toJUnit({ ...base, verdict: 'passed' })
    expect(XMLValidator.validate(xml)).toBe(true)
    expect(xml).toContain('failures="0"')
    expect(await schemaErrors(xml)).toEqual([])
  })
})
