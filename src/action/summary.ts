import type { Report } from '../engine/report.js'
import { formatDuration } from '../engine/duration.js'

/** core.summary does not escape HTML: everything that came from a cluster or a log goes through here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`|]/g, (c) => `&#${c.charCodeAt(0)};`)
}

function mermaidText(text: string): string {
  return text.replace(/[:#;`<>]/g, ' ')
}

/**
 * A Mermaid gantt chart of the run: formation, kill, election, rejoin, red and yellow windows.
 * Times are absolute and the axis shows wall-clock time: relative times would be drawn as
 * minutes past the epoch in the reader's time zone (wrapping after an hour, starting at :30 in
 * half-hour zones).
 */
export function ganttChart(report: Report): string {
  const lines = [
    '```mermaid',
    'gantt',
    '  title es-k8s-verify run',
    '  dateFormat x',
    '  axisFormat %H:%M:%S'
  ]
  for (const p of report.phases) {
    if (p.status === 'skipped') continue
    const tag = p.status === 'failed' ? 'crit, ' : ''
    lines.push(`  section ${mermaidText(p.title)}`)
    lines.push(
      `  ${mermaidText(p.status)} : ${tag}${p.startedAt}, ${Math.max(p.endedAt, p.startedAt + 1)}`
    )
  }
  for (const r of report.rounds) {
    const k = r.killedAt
    lines.push(`  section Failover round ${r.round}`)
    if (r.newMasterMs !== undefined)
      lines.push(
        `  election (${formatDuration(r.newMasterMs)}) : ${k}, ${k + Math.max(r.newMasterMs, 1)}`
      )
    if (r.podBackMs !== undefined) lines.push(`  pod back : ${k}, ${k + Math.max(r.podBackMs, 1)}`)
    if (r.rejoinedMs !== undefined)
      lines.push(`  rejoined : ${k}, ${k + Math.max(r.rejoinedMs, 1)}`)
    if (r.greenMs !== undefined) lines.push(`  green again : ${k}, ${k + Math.max(r.greenMs, 1)}`)
  }
  // Red and yellow windows of each disruption, from its health transitions.
  for (const d of report.disruptions) {
    const h = d.availability?.health
    if (!h?.transitions.length) continue
    const end = d.endedAt ?? Date.parse(report.endedAt)
    const windows = h.transitions
      .map((t, i) => ({ status: t.status, from: t.at, to: h.transitions[i + 1]?.at ?? end }))
      .filter((w) => w.status !== 'green')
    if (!windows.length) continue
    lines.push(`  section Health during ${mermaidText(d.name)}`)
    for (const w of windows)
      lines.push(
        `  ${w.status} : ${w.status === 'red' ? 'crit, ' : w.status === 'yellow' ? 'active, ' : ''}${w.from}, ${Math.max(w.to, w.from + 1)}`
      )
  }
  lines.push('```')
  return lines.join('\n')
}

/** One row per disruption: what clients saw (writes, reads, health). */
export function availabilityTable(report: Report): string[] {
  const rows = report.disruptions.filter((d) => d.availability)
  if (!rows.length) return []
  const out = [
    '| Disruption | Writes acked | Failed | Lost | Longest write gap | Longest read gap | Red | Yellow | No master |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  ]
  for (const d of rows) {
    const a = d.availability!
    out.push(
      `| ${escapeHtml(d.name)} | ${a.writes.acked} | ${a.writes.failed} | ${a.writes.lost ? `❌ ${a.writes.lost}` : 0} | ${formatDuration(a.writes.longestGapMs)} | ${formatDuration(a.reads.longestGapMs)} | ${a.health.redMs ? `❌ ${formatDuration(a.health.redMs)}` : '0ms'} | ${formatDuration(a.health.yellowMs)} | ${formatDuration(a.health.unavailableMs)} |`
    )
  }
  if (report.data)
    out.push(
      '',
      `**Data:** ${report.data.acked} acknowledged writes read back after healing, ${report.data.lost ? `❌ ${report.data.lost} lost (first: ${report.data.lostIds.slice(0, 5).map(escapeHtml).join(', ')})` : '0 lost'}.`
    )
  return [...out, '']
}

/** The job summary: verdict first, phases, timeline chart, masters, node IDs, and on failure what was last seen. */
export function renderSummary(report: Report, artifact?: { name: string; id?: number }): string {
  const icon = report.verdict === 'passed' ? '✅' : '❌'
  const out: string[] = []
  out.push(`## ${icon} es-k8s-verify: ${report.verdict.toUpperCase()}`)
  out.push('')
  const subject = [
    report.engine
      ? `${escapeHtml(report.engine.distribution)} ${escapeHtml(report.engine.version)}`
      : undefined,
    report.statefulset ? `StatefulSet \`${escapeHtml(report.statefulset)}\`` : undefined,
    `${escapeHtml(report.provider)} cluster \`${escapeHtml(report.cluster)}\``,
    report.kubernetesVersion ? `Kubernetes ${escapeHtml(report.kubernetesVersion)}` : undefined
  ].filter(Boolean)
  out.push(subject.join(' · '))
  if (report.error)
    out.push(
      '',
      `**Failed in ${escapeHtml(report.error.phase ?? 'setup')}:** ${escapeHtml(report.error.message.split('\n')[0])}`
    )
  out.push('', '| Phase | Result | Duration |', '| --- | --- | --- |')
  for (const p of report.phases)
    out.push(
      `| ${escapeHtml(p.title)} | ${p.status === 'passed' ? '✅ passed' : p.status === 'failed' ? '❌ failed' : `⏭️ skipped: ${escapeHtml(p.reason ?? '')}`} | ${p.status === 'skipped' ? '' : formatDuration(p.durationMs)} |`
    )
  out.push('')
  if (report.phases.length) out.push(ganttChart(report), '')
  if (report.timeToGreenMs !== undefined || report.failoverMs !== undefined) {
    out.push('| Measure | Value |', '| --- | --- |')
    if (report.timeToGreenMs !== undefined)
      out.push(`| Time to green | ${formatDuration(report.timeToGreenMs)} |`)
    if (report.failoverMs !== undefined)
      out.push(`| New master elected after kill | ${formatDuration(report.failoverMs)} |`)
    if (report.rejoinMs !== undefined)
      out.push(`| Green again after kill | ${formatDuration(report.rejoinMs)} |`)
    out.push('')
  }
  out.push(...availabilityTable(report))
  if (report.masterBefore) {
    out.push(
      `**Master before:** \`${escapeHtml(report.masterBefore.node)}\` (pod ${escapeHtml(report.masterBefore.pod)}) → **after:** \`${escapeHtml(report.masterAfter?.node ?? 'none')}\``,
      ''
    )
  }
  if (report.rounds.length) {
    out.push(
      '| Round | Killed pod | Node ID before | Node ID after | Persisted |',
      '| --- | --- | --- | --- | --- |'
    )
    for (const r of report.rounds)
      out.push(
        `| ${r.round} | ${escapeHtml(r.masterBefore.pod)} | \`${escapeHtml(r.nodeIdBefore)}\` | \`${escapeHtml(r.nodeIdAfter ?? '-')}\` | ${r.nodeIdPersisted === undefined ? '-' : r.nodeIdPersisted ? 'yes' : '⚠️ no'} |`
      )
    out.push('')
  }
  if (report.failoverSkipped)
    out.push(`Failover not exercised: ${escapeHtml(report.failoverSkipped)}`, '')
  for (const w of report.warnings) out.push(`> ⚠️ ${escapeHtml(w)}`, '')
  if (report.error) {
    out.push(
      '<details><summary>Last observed state</summary>',
      '',
      '<pre>',
      escapeHtml(report.error.message),
      '',
      escapeHtml(JSON.stringify(report.error.lastSeen ?? {}, null, 2)),
      '</pre>',
      '</details>',
      ''
    )
  }
  if (artifact)
    out.push(
      `Logs and reports: artifact \`${escapeHtml(artifact.name)}\`${artifact.id ? ` (id ${artifact.id})` : ''}.`
    )
  return out.join('\n')
}
