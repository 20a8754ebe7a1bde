/** Human-readable output of the CLI; `--json` prints the same objects as JSON instead. */
import { describeCount } from '../text/count-wording.js';
import type { AgreementView, AuditVerifyView, BudgetView, RunView, ScoreSet } from '../api/services.js';
import type { JobView } from '../jobs/store.js';
import { MofangError, type ErrorCode } from '../errors.js';
import { fmtBytes } from '../text/format-units.js';
import { untrustedText } from '../text/untrusted.js';
import { DEFAULT_POLICY } from '../agreements/floors.js';
import type { AgreementTerms } from '../agreements/model.js';

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

/** The terms as `agreements show` reads them: the signed terms (the API view carries them as JSON). */
type TermsForReview = AgreementTerms;

/** `delivered`, or `pending (attempts N, next at T, last error CODE)`: has the peer been told? */
export function deliveryText(d: NonNullable<AgreementView['delivery']>): string {
  const what = d.action === 'accept' ? 'acceptance' : 'revocation';
  if (d.state === 'delivered') return `delivered (${what}, ${d.deliveredAt})`;
  const error = d.lastErrorCode ? `, last error ${d.lastErrorCode}` : '';
  if (d.state === 'refused') return `refused by the peer (${what}, attempts ${d.attempts}${error}); it will not be re-sent`;
  return `pending (${what}, attempts ${d.attempts}, next at ${d.nextAttemptAt}${error})`;
}

/**
 * Every term of an agreement, one labelled line each, in the order a partner's administrator
 * reviews them before accepting. Names and the title come from the proposer: they go through
 * untrustedText so a control or bidi character cannot disguise what is being accepted.
 */
export function agreementLines(a: AgreementView): string[] {
  const t = a.terms as unknown as TermsForReview;
  const txt = (s: string) => untrustedText(s);
  const party = (role: 'proposer' | 'acceptor') => {
    const p = t.parties[role];
    return `${txt(p.name)} (node ${p.nodeId}), dataset ${txt(p.dataset)}, columns ${p.columns.map(txt).join(', ')}`;
  };
  const receivers = (op: string, to: string[] | undefined) => `${op} → ${to?.length ? to.join(' + ') : 'nobody'}`;
  const lines = [
    `Agreement ${a.id} — ${txt(t.title)}`,
    `  status:           ${a.status} (this node is the ${a.localParty}${a.peerName ? `; peer ${a.peerName}` : ''})`,
  ];
  if (a.delivery) lines.push(`  delivery:         ${deliveryText(a.delivery)}`);
  lines.push(
    `  terms:            version ${t.version}, hash ${a.termsHash}`,
    `  created:          ${t.createdAt}`,
    `  expires:          ${t.expiresAt}`,
    `  proposer:         ${party('proposer')}`,
    `  acceptor:         ${party('acceptor')}`,
    `  id kind:          ${t.idKind}`,
    `  operations:       ${t.operations.join(', ')}`,
    `  outputs:          ${[receivers('overlap', t.outputs.overlap), receivers('enrich', t.outputs.enrich), ...(t.outputs.aggregate ? [receivers('aggregate', t.outputs.aggregate)] : [])].join('; ')}`,
    `  min intersection: ${t.minIntersection} (smaller results are withheld from both parties)`,
    `  rate limit:       ${t.maxQueriesPerDay ? `${t.maxQueriesPerDay} queries per party per rolling 24 hours` : 'none'}`,
    `  enrich attribute: ${t.enrichAttribute ? txt(t.enrichAttribute) : 'none'}`,
    `  labels:           ${t.labels?.length ? t.labels.map((l) => `${txt(l.column)} (${l.type}${l.maxBytes ? `, at most ${l.maxBytes} bytes` : ''})`).join(', ') : 'none (membership only)'}`,
    `  OPRF key epoch:   ${t.oprfKeyEpochDays ? `${t.oprfKeyEpochDays} days` : 'none (a fresh key every run)'}`,
    `  exact counts:     ${t.exactCounts ? 'yes (overlap counts released without noise)' : 'no'}`,
    ...(t.operations.includes('overlap') && !t.exactCounts
      ? [
          `  count noise:      ${
            t.countNoise
              ? `discrete-laplace, ε ${t.countNoise.epsilonPerQuery} per overlap query; budget ε ${t.countNoise.budget.epsilon} per ${t.countNoise.budget.periodDays} days on the data pair`
              : 'none agreed (overlap queries are refused)'
          }`,
        ]
      : []),
  );
  const g = t.aggregate;
  if (g) {
    const delta = (d: number | undefined) => (d !== undefined ? `, δ ${d}` : '');
    lines.push(
      `  aggregate:        values held by the ${g.valueHolder}; results to ${t.outputs.aggregate?.join(' + ') ?? 'nobody'}`,
      `    mechanism:      ${g.mechanism}, ε ${g.epsilonPerQuery}${delta(g.deltaPerQuery)} per query`,
      `    budget:         ε ${g.budget.epsilon}${delta(g.budget.delta)} per ${g.budget.periodDays} days`,
      `    groups:         minGroupSize ${g.minGroupSize} (smaller noisy counts suppressed), minInputSize ${g.minInputSize}, maxGroups ${g.maxGroups}`,
      ...g.columns.map(
        (c) =>
          `    column:         ${txt(c.column)} clamped to [${c.min}, ${c.max}], scale ${c.scale ?? 0}${c.buckets?.length ? `, histogram edges ${c.buckets.join(', ')}` : ''}`,
      ),
    );
  } else {
    lines.push('  aggregate:        not allowed');
  }
  lines.push(`  signatures:       proposer ${a.proposerSignature.at}${a.acceptorSignature ? `, acceptor ${a.acceptorSignature.at}` : ', acceptor —'}`);
  if (a.revokedReason) lines.push(`  revoked:          by ${a.revokedBy}: ${txt(a.revokedReason)}`);
  // One block per concern, in review order. A block about the agreement's surroundings (e.g. the
  // other agreements over the same pair of datasets) goes after the disclosure.
  return [...lines, ...policyLines(a), ...disclosureLines(a)];
}

/**
 * The policy floors: what the proposer overrode against its own policy (signed into the terms, so
 * it is the proposer's text) and where the terms fall below this node's policy.
 */
function policyLines(a: AgreementView): string[] {
  const overrode = (a.terms as unknown as TermsForReview).proposerPolicyOverride ?? [];
  const lines = overrode.length > 0 ? ['  proposer overrode its policy floors:', ...overrode.map((issue) => `    - ${untrustedText(issue, 500)}`)] : [];
  const acceptorOverrode = a.acceptorPolicyOverride ?? [];
  if (acceptorOverrode.length > 0)
    lines.push('  acceptor overrode its policy floors:', ...acceptorOverrode.map((issue) => `    - ${untrustedText(issue, 500)}`));
  if (a.policyIssues.length === 0) return [...lines, "  policy:           meets this node's policy floors"];
  lines.push("  below this node's policy:", ...a.policyIssues.map((issue) => `    - ${issue}`));
  if (a.localParty === 'acceptor' && a.status === 'pending') lines.push('    accepting needs --override-policy (audited)');
  return lines;
}

/** "What the other side can learn", from the terms (agreements/disclosure.ts). */
function disclosureLines(a: AgreementView): string[] {
  const { operations, warnings } = a.disclosure;
  return [
    '  what each side can learn:',
    ...operations.flatMap((op) =>
      op.learns.map((sentence, i) => `    ${i === 0 ? `${op.operation}:`.padEnd(11) : ' '.repeat(11)}${untrustedText(sentence, 1000)}`),
    ),
    ...(warnings.length > 0 ? ['  warnings:', ...warnings.map((w) => `    ! ${untrustedText(w, 1000)}`)] : []),
  ];
}

export function printAgreement(a: AgreementView): void {
  for (const line of agreementLines(a)) console.log(line);
  for (const line of pairLines(a)) console.log(line);
  for (const line of reimportLines(a)) console.log(line);
}

/** What this node saw of the querier's re-imports as responder (kept apart from the terms). */
export function reimportLines(a: AgreementView): string[] {
  const r = a.pair?.querierReimports;
  if (!r) return [];
  return [
    `Querier re-imports seen as responder (last 24 hours, since ${r.since}):`,
    `  this agreement: ${r.agreement}; data pair: ${r.pair} of ${r.limit} allowed (policy.maxQuerierReimportsPerDay)`,
  ];
}

/**
 * The data pair block of `agreements show` and `accept`: budget, released-group memory and the rate
 * limit are shared with every other agreement over the same two datasets, so the reviewer sees them.
 */
export function pairLines(a: AgreementView): string[] {
  const p = a.pair;
  if (!p) return [];
  const lines = [
    `Data pair (shared by every agreement between these two datasets):`,
    `  pair:             peer ${p.pair.peerNodeId}, our dataset ${untrustedText(p.pair.localDataset)}, their dataset ${untrustedText(p.pair.peerDataset)}`,
    `  other agreements: ${p.others.length === 0 ? 'none' : p.others.length}`,
    ...p.others.map((o) => `    ${o.id} ${o.status} (created ${o.createdAt}) — ${untrustedText(o.title)}`),
  ];
  if (p.budget) {
    lines.push(
      `  spent this period: ε ${p.budget.spent.epsilon}, δ ${p.budget.spent.delta} of this agreement's ε ${p.budget.total.epsilon}, δ ${p.budget.total.delta} (${p.budget.periodStart} to ${p.budget.periodEnd})`,
    );
  }
  return lines;
}

/** What `accept` / `revoke` add when the peer has not (yet) been told. */
export function deliveryNotice(a: AgreementView): string | null {
  const d = a.delivery;
  if (!d || d.state === 'delivered') return null;
  const done = d.action === 'accept' ? 'accepted' : 'revoked';
  const peer = a.peerName ?? a.peerNodeId;
  if (d.state === 'refused')
    return `${done} locally; ${peer} refused the ${d.action === 'accept' ? 'acceptance' : 'revocation'} (${d.lastErrorCode}); it will not be re-sent`;
  return `${done} locally; delivery to ${peer} pending (will retry while the node runs)${d.lastErrorCode ? ` — last error ${d.lastErrorCode}` : ''}`;
}

export function printRun(r: RunView): void {
  console.log(`Run ${r.id} — ${r.operation} as ${r.role}: ${r.status}`);
  if (r.count) console.log(`  result:     ${describeCount(r.count)} customers in common`);
  else if (r.resultCount !== null)
    console.log(
      `  result:     ${r.resultCount}${r.attribute ? ` matched customers marked ${r.attribute} = true, the rest of the input set false` : ' customers in common'}`,
    );
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

export function printJob(j: JobView): void {
  console.log(`Job ${j.id} — ${j.kind} (${j.agreementIds.join(', ')}): ${j.status}, attempt ${j.attempt}`);
  if (j.result?.scores) console.log(`  result:     joint segment scores of run ${j.result.scores} (mofang scores show ${j.result.scores})`);
  else if (j.result?.release) console.log(`  result:     ${describeCount(j.result.release)} customers in common`);
  else if (j.result)
    console.log(
      `  result:     ${j.result.count ?? '(not a receiver of the count)'}${j.result.attribute ? `; matched customers marked ${j.result.attribute} = true, the others false` : ''}`,
    );
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
  console.log(`  privacy:    ${s.mechanism}, ε ${s.epsilon}${s.delta !== '0' ? `, δ ${s.delta}` : ''} spent; ${membershipText(s)}`);
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
        c.histogram.counts.forEach((b, i) =>
          console.log(`        ${i === 0 ? `< ${edges[0]}` : i === edges.length ? `≥ ${edges[i - 1]}` : `[${edges[i - 1]}, ${edges[i]})`}: ${n(b)}`),
        );
      }
    }
  }
}

/**
 * What the released numbers say about membership. "Not revealed" holds only while every released
 * group is a crowd (at least the default policy's minGroupSize matched, by its noisy count) and the
 * count noise can hide one record (standard deviation ≥ 1): a count of 1 with noise ±0.1 says
 * which of a group's few records the partner holds, whatever the agreement allowed.
 */
export function membershipText(s: ScoreSet): string {
  if (s.membership) return 'membership revealed to us';
  const crowd = DEFAULT_POLICY.minGroupSize;
  const revealing = s.groups.filter((g) => !g.suppressed && g.count && (g.count.value < crowd || g.count.noiseScale.standardDeviation < 1));
  if (revealing.length === 0) return 'membership not revealed';
  const which = revealing.map((g) => `${g.label} (count ${fmtNumber(g.count!.value)}, noise sd ${fmtNumber(g.count!.noiseScale.standardDeviation)})`);
  return `membership can be inferred for ${which.join(', ')}: fewer than ${crowd} matched or noise below one record tells which of the group's records the partner holds`;
}

export function printBudget(b: BudgetView): void {
  console.log(`Privacy budget of agreement ${b.agreementId}, period ${b.period} (${b.periodStart} to ${b.periodEnd})`);
  console.log(
    `  ε spent ${b.spent.epsilon} of ${b.total.epsilon}${b.total.delta !== '0' ? `; δ spent ${b.spent.delta} of ${b.total.delta}` : ''}; ${b.queriesLeft} more queries at ε ${b.perQuery.epsilon} each`,
  );
  console.log(
    `  spent on data pair (peer ${b.pair.peerNodeId}, our dataset ${untrustedText(b.pair.localDataset)}, their dataset ${untrustedText(b.pair.peerDataset)}) by every agreement over it; this agreement ε ${b.agreementSpent.epsilon}`,
  );
}

function fmtNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 100 ? 1 : 3);
}

/** Rows under a header, each column padded to its widest cell; numbers right-aligned. */
export function printTable(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : typeof c === 'number' ? fmtNumber(c) : untrustedText(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null));
  for (const r of cells)
    console.log(
      r
        .map((c, i) => (numeric[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    );
}
