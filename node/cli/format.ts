/** Human-readable output of the CLI; `--json` prints the same objects as JSON instead. */
import type { AgreementView, AuditVerifyView, BudgetView, RunView, ScoreSet } from '../api/services.js';
import type { JobView } from '../jobs/store.js';
import { MofangError, type ErrorCode } from '../errors.js';

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** `90d`, `12h` or an ISO date-time → ISO date-time. */
export function parseExpiry(value: string, now = new Date(), option = '--expires', code: ErrorCode = 'AGREEMENT_INVALID'): string {
  const m = /^(\d+)([dh])$/.exec(value);
  if (m) return new Date(now.getTime() + Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new MofangError(code, `${option}: "${value}" is neither an ISO date-time nor a duration like 90d`, { field: option });
  return new Date(t).toISOString();
}

export function printAgreement(a: AgreementView): void {
  const t = a.terms as { title: string; operations: string[]; minIntersection: number; expiresAt: string; idKind: string; parties: Record<string, { name: string; dataset: string }>; outputs: Record<string, string[]> };
  console.log(`Agreement ${a.id} — ${t.title}`);
  console.log(`  status:     ${a.status} (this node is the ${a.localParty})`);
  console.log(`  parties:    ${t.parties.proposer.name} (${t.parties.proposer.dataset}) ↔ ${t.parties.acceptor.name} (${t.parties.acceptor.dataset}), id kind ${t.idKind}`);
  console.log(`  operations: ${t.operations.join(', ')}; overlap to ${t.outputs.overlap.join(' + ')}, enrich to ${t.outputs.enrich.join(' + ')}`);
  console.log(`  minimum:    ${t.minIntersection}; expires ${t.expiresAt}`);
  const agg = (a.terms as { aggregate?: { columns: { column: string; min: number; max: number }[]; valueHolder: string; mechanism: string; epsilonPerQuery: number; budget: { epsilon: number; periodDays: number }; minGroupSize: number } }).aggregate;
  if (agg) {
    console.log(`  aggregate:  ${agg.columns.map((c) => `${c.column} [${c.min}, ${c.max}]`).join(', ')} of the ${agg.valueHolder}; ${agg.mechanism}, ε ${agg.epsilonPerQuery}/query, ${agg.budget.epsilon} per ${agg.budget.periodDays} days; groups ≥ ${agg.minGroupSize}`);
  }
  console.log(`  signatures: proposer ${a.proposerSignature.at}${a.acceptorSignature ? `, acceptor ${a.acceptorSignature.at}` : ', acceptor —'}`);
  if (a.revokedReason) console.log(`  revoked:    by ${a.revokedBy}: ${a.revokedReason}`);
}

export function printRun(r: RunView): void {
  console.log(`Run ${r.id} — ${r.operation} as ${r.role}: ${r.status}`);
  if (r.resultCount !== null) console.log(`  result:     ${r.resultCount}${r.attribute ? ` matched customers marked ${r.attribute} = true` : ' customers in common'}`);
  console.log(`  sets:       ${r.localSize ?? '?'} here, ${r.peerSize ?? '?'} at the peer`);
  console.log(`  traffic:    sent ${r.messagesSent} messages / ${fmtBytes(r.bytesSent)}, received ${r.messagesReceived} / ${fmtBytes(r.bytesReceived)}`);
  if (r.transcriptHash) console.log(`  transcript: ${r.transcriptHash}`);
  if (r.errorCode) console.log(`  error:      ${r.errorCode}: ${r.errorMessage}`);
}

export function printVerify(v: AuditVerifyView): void {
  if (v.ok) console.log(`Audit log OK: ${v.entries} entries, head ${v.head?.seq} ${v.head?.hash.slice(0, 16)}…`);
  else console.log(`Audit log FAILED verification at entry ${v.firstBad?.seq}: ${v.firstBad?.reason}`);
  for (const c of v.checked) console.log(`  ✓ ${c}`);
}

export function fmtBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}

export function printJob(j: JobView): void {
  console.log(`Job ${j.id} — ${j.kind} (${j.agreementIds.join(', ')}): ${j.status}, attempt ${j.attempt}`);
  if (j.result?.scores) console.log(`  result:     joint segment scores of run ${j.result.scores} (mofang scores show ${j.result.scores})`);
  else if (j.result) console.log(`  result:     ${j.result.count ?? '(not a receiver of the count)'}${j.result.attribute ? `; matched customers marked ${j.result.attribute} = true` : ''}`);
  if (!['succeeded', 'failed', 'cancelled'].includes(j.status)) {
    const eta = j.progress.etaSeconds === null ? '?' : `${Math.round(j.progress.etaSeconds)} s`;
    console.log(`  progress:   ${j.phase ?? '-'} ${j.progress.done}/${j.progress.total} records, ${Math.round(j.progress.rate ?? 0)}/s, ETA ${eta}`);
  }
  if (j.error) console.log(`  ${j.status === 'queued' ? 'last error' : 'error'}: ${j.error.code}: ${j.error.message}`);
  if (j.runIds.length) console.log(`  runs:       ${j.runIds.join(', ')}`);
}

/** Joint segment scores: one block per group, every number with its 95 % interval and noise. */
export function printScoreSet(s: ScoreSet): void {
  console.log(`Joint segment scores of run ${s.runId} — agreement ${s.agreementId}, ${s.grouping}${s.formula ? `, ranked by ${s.formula}` : ''}`);
  console.log(`  privacy:    ${s.mechanism}, ε ${s.epsilon}${s.delta !== '0' ? `, δ ${s.delta}` : ''} spent; membership ${s.membership ? 'revealed to us' : 'not revealed'}`);
  const n = (r: { value: number; ci95: { low: number; high: number } }) => `${fmtNumber(r.value)} [95% ${fmtNumber(r.ci95.low)} … ${fmtNumber(r.ci95.high)}]`;
  const groups = [...s.groups].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.index - b.index);
  for (const g of groups) {
    const rank = g.rank !== null ? `#${g.rank} ` : '';
    if (g.suppressed) {
      console.log(`  ${rank}${g.label} (${g.inputSize} of ours): suppressed — fewer than the agreed minimum group size matched`);
      continue;
    }
    console.log(`  ${rank}${g.label} (${g.inputSize} of ours)${g.score !== null ? `  score ${fmtNumber(g.score)}` : ''}`);
    console.log(`      count ${n(g.count!)}  noise ${g.count!.noiseScale.parameter} ${fmtNumber(g.count!.noiseScale.value)}`);
    for (const c of g.columns) {
      console.log(`      ${c.column}: sum ${n(c.sum)}, mean ${n(c.mean)}  noise ${c.sum.noiseScale.parameter} ${fmtNumber(c.sum.noiseScale.value)}`);
      if (c.histogram) {
        const edges = c.histogram.edges;
        c.histogram.counts.forEach((b, i) => console.log(`        ${i === 0 ? `< ${edges[0]}` : i === edges.length ? `≥ ${edges[i - 1]}` : `[${edges[i - 1]}, ${edges[i]})`}: ${n(b)}`));
      }
    }
  }
}

export function printBudget(b: BudgetView): void {
  console.log(`Privacy budget of agreement ${b.agreementId}, period ${b.period} (${b.periodStart} to ${b.periodEnd})`);
  console.log(`  ε spent ${b.spent.epsilon} of ${b.total.epsilon}${b.total.delta !== '0' ? `; δ spent ${b.spent.delta} of ${b.total.delta}` : ''}; ${b.queriesLeft} more queries at ε ${b.perQuery.epsilon} each`);
}

function fmtNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 100 ? 1 : 3);
}
