import { checkBand } from '@app/compensation';
import { checkTemplate } from '@app/outreach';
import { DEMO_BANDS, DEMO_SEQUENCES } from './demo-data';

describe('demo data', () => {
  it('has sequences (and their second versions) whose templates use only known variables', () => {
    expect(DEMO_SEQUENCES).toHaveLength(3);
    for (const seq of DEMO_SEQUENCES) {
      for (const definition of [seq.definition, seq.revision]) {
        expect(definition.steps).toHaveLength(3);
        definition.steps.forEach((step, i) => {
          expect(() => checkTemplate(step.subject, `steps[${i}].subject`)).not.toThrow();
          expect(() => checkTemplate(step.body, `steps[${i}].body`)).not.toThrow();
        });
      }
    }
  });

  it('has sound bands anchored on 42,874 CNY a month for the top LLM band', () => {
    for (const b of DEMO_BANDS) {
      const amounts = checkBand({
        ...b,
        jobFamily: b.jobFamily as never,
        zone: b.zone as never,
        currency: b.currency as never,
        period: b.period as never,
        baseMin: b.min.toFixed(2),
        baseMid: b.mid.toFixed(2),
        baseMax: b.max.toFixed(2),
        signOnMin: null,
        signOnMax: null,
        equityMin: null,
        equityMax: null,
        effectiveFrom: '2026-01-01',
        effectiveTo: null,
      });
      expect(amounts[0]).toBeGreaterThan(0n);
    }
    expect(DEMO_BANDS.find((b) => b.jobFamily === 'llm' && b.level === 'P9' && b.currency === 'CNY')?.mid).toBe(42874);
  });
});
