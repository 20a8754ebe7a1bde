import { describe, expect, it } from 'vitest';
import type { AgreementView } from '../api/services.js';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import { agreementLines, deliveryNotice } from './format.js';

/** An accepted aggregate agreement as the acceptor (telco) sees it. */
function view(over: Partial<AgreementView> = {}, terms: Record<string, unknown> = {}): AgreementView {
  const a = storedAggregateAgreement('acceptor', { labels: undefined, maxQueriesPerDay: undefined });
  return { ...a, terms: { ...(a.terms as unknown as Record<string, unknown>), ...terms }, peerName: 'bank', ...over };
}

const text = (a: AgreementView) => agreementLines(a).join('\n');

describe('agreements show: every term, for review before accepting', () => {
  it('prints the parties, outputs, limits and the whole aggregate section', () => {
    const out = text(view());
    for (const expected of [
      /status: +accepted \(this node is the acceptor; peer bank\)/,
      /proposer: +Bank \(node sha256:b{64}\), dataset customers, columns phone/,
      /acceptor: +Telco \(node sha256:7{64}\), dataset subscribers, columns msisdn/,
      /id kind: +phone/,
      /operations: +overlap, aggregate/,
      /outputs: +overlap → proposer; enrich → nobody; aggregate → proposer/,
      /min intersection: +100/,
      /rate limit: +none/,
      /enrich attribute: +none/,
      /labels: +none/,
      /expires: +2026-07-01T00:00:00.000Z/,
      /aggregate: +values held by the acceptor; results to proposer/,
      /mechanism: +discrete-laplace, ε 1 per query/,
      /budget: +ε 10 per 30 days/,
      /groups: +minGroupSize 20 .*minInputSize 50, maxGroups 8/,
      /column: +spend clamped to \[0, 5000\], scale 2, histogram edges 100, 1000/,
      /column: +tenure clamped to \[0, 600\], scale 0/,
    ])
      expect(out).toMatch(expected);
  });

  it('prints a rate limit, labels, an enrich attribute and δ when the terms have them', () => {
    const a = view(
      {},
      {
        maxQueriesPerDay: 50,
        enrichAttribute: 'partner:telco:active',
        labels: [{ column: 'plan', type: 'category', maxBytes: 16 }],
        aggregate: {
          ...(view().terms.aggregate as object),
          mechanism: 'discrete-gaussian',
          deltaPerQuery: 1e-7,
          budget: { epsilon: 10, delta: 1e-6, periodDays: 30 },
        },
      },
    );
    const out = text(a);
    expect(out).toMatch(/rate limit: +50 queries per party per rolling 24 hours/);
    expect(out).toMatch(/enrich attribute: +partner:telco:active/);
    expect(out).toMatch(/labels: +plan \(category, at most 16 bytes\)/);
    expect(out).toMatch(/mechanism: +discrete-gaussian, ε 1, δ 1e-7 per query/);
    expect(out).toMatch(/budget: +ε 10, δ 0.000001 per 30 days/);
  });

  it('a title or party name from the proposer cannot hide text behind bidi controls', () => {
    const out = text(
      view(
        {},
        {
          title: 'Harmless\u202E lla erahs',
          parties: {
            ...(view().terms.parties as object),
            proposer: { nodeId: `sha256:${'b'.repeat(64)}`, name: 'Bank\u2066x', dataset: 'customers', columns: ['phone'] },
          },
        },
      ),
    );
    expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });

  it('says whether the peer has been told, and the accept/revoke commands say so in words', () => {
    const pending = view({
      delivery: {
        action: 'accept',
        state: 'pending',
        attempts: 3,
        nextAttemptAt: '2026-01-01T00:00:08.000Z',
        lastErrorCode: 'PEER_UNREACHABLE',
        deliveredAt: null,
      },
    });
    expect(text(pending)).toMatch(/delivery: +pending \(acceptance, attempts 3, next at 2026-01-01T00:00:08.000Z, last error PEER_UNREACHABLE\)/);
    expect(deliveryNotice(pending)).toBe('accepted locally; delivery to bank pending (will retry while the node runs) — last error PEER_UNREACHABLE');
    const delivered = view({
      delivery: { action: 'revoke', state: 'delivered', attempts: 1, nextAttemptAt: null, lastErrorCode: null, deliveredAt: '2026-01-01T00:00:01.000Z' },
    });
    expect(text(delivered)).toMatch(/delivery: +delivered \(revocation, 2026-01-01T00:00:01.000Z\)/);
    expect(deliveryNotice(delivered)).toBeNull();
    expect(text(view())).not.toMatch(/delivery:/);
  });
});
