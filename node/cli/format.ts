/** Human-readable output of the CLI; `--json` prints the same objects as JSON instead. */
import type { AgreementView, AuditVerifyView, RunView } from '../api/services.js';
import type { JobView } from '../jobs/store.js';
import { MofangError } from '../errors.js';

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** `90d`, `12h` or an ISO date-time → ISO date-time. */
export function parseExpiry(value: string, now = new Date()): string {
  const m = /^(\d+)([dh])$/.exec(value);
  if (m) return new Date(now.getTime() + Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new MofangError('AGREEMENT_INVALID', `--expires: "${value}" is neither an ISO date-time nor a duration like 90d`);
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
  if (j.result) console.log(`  result:     ${j.result.count ?? '(not a receiver of the count)'}${j.result.attribute ? `; matched customers marked ${j.result.attribute} = true` : ''}`);
  if (!['succeeded', 'failed', 'cancelled'].includes(j.status)) {
    const eta = j.progress.etaSeconds === null ? '?' : `${Math.round(j.progress.etaSeconds)} s`;
    console.log(`  progress:   ${j.phase ?? '-'} ${j.progress.done}/${j.progress.total} records, ${Math.round(j.progress.rate ?? 0)}/s, ETA ${eta}`);
  }
  if (j.error) console.log(`  ${j.status === 'queued' ? 'last error' : 'error'}: ${j.error.code}: ${j.error.message}`);
  if (j.runIds.length) console.log(`  runs:       ${j.runIds.join(', ')}`);
}
