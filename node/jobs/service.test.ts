import { describe, expect, it } from 'vitest';
import { checkJobInput, MAX_JOB_AGREEMENTS } from './service.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `agreement-${i}`);

describe('checkJobInput: the job input rules, for the CLI and the HTTP API alike', () => {
  it('accepts one agreement for overlap and enrich, two or more with an attribute for intersect', () => {
    expect(() => checkJobInput({ kind: 'overlap', agreementIds: ids(1) })).not.toThrow();
    expect(() => checkJobInput({ kind: 'enrich', agreementIds: ids(1) })).not.toThrow();
    expect(() => checkJobInput({ kind: 'intersect', agreementIds: ids(MAX_JOB_AGREEMENTS), attribute: 'audience:q3' })).not.toThrow();
  });

  it.each([
    [
      'intersect with one agreement',
      { kind: 'intersect' as const, agreementIds: ids(1) },
      'agreementIds: intersect takes 2 to 10 agreements, one per partner; got 1',
    ],
    ['overlap with none', { kind: 'overlap' as const, agreementIds: [] }, 'agreementIds: overlap takes exactly one agreement; got 0'],
    ['enrich with two', { kind: 'enrich' as const, agreementIds: ids(2) }, 'agreementIds: enrich takes exactly one agreement; got 2'],
    [
      'an attribute on enrich',
      { kind: 'enrich' as const, agreementIds: ids(1), attribute: 'x' },
      "attribute: only intersect jobs take an attribute; enrich writes the agreement's enrichAttribute",
    ],
    ['aggregate without options', { kind: 'aggregate' as const, agreementIds: ids(1) }, 'aggregate: aggregate jobs need aggregate options'],
  ])('refuses %s with REQUEST_INVALID naming the field', (_name, input, message) => {
    expect(() => checkJobInput(input)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', message: expect.stringContaining(message) }));
  });

  it('names the field as the HTTP client sent it when the input is a request body', () => {
    expect(() => checkJobInput({ kind: 'intersect', agreementIds: ids(1) }, 'body')).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^body\.agreementIds: intersect takes 2/),
        details: { in: 'body', field: 'agreementIds', min: 2, max: MAX_JOB_AGREEMENTS },
      }),
    );
    expect(() => checkJobInput({ kind: 'intersect', agreementIds: ids(1) })).toThrow(
      expect.objectContaining({ details: { field: 'agreementIds', min: 2, max: MAX_JOB_AGREEMENTS } }),
    );
  });
});
