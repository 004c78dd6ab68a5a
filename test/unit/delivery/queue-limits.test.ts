import { jobBytes, planPushes, QUEUE_LIMITS, queueDelaySeconds } from '../../../src/core/queue-limits';
import type { QueueJob } from '../../../src/app/jobs';

const job = (n: number, pad = 0): QueueJob => ({ body: { type: 'flush-group', groupKey: `g${n}${'x'.repeat(pad)}` } });

describe('planPushes (Forge async events: 50 events and 200 KB a push, 100 KB an event)', () => {
  it('splits by count, keeping order', () => {
    const jobs = Array.from({ length: 120 }, (_, i) => job(i));
    const plan = planPushes(jobs);
    expect(plan.batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(plan.batches.flat()).toEqual(jobs);
    expect(plan.oversized).toEqual([]);
  });

  it('splits by bytes: no push over 200 KB, counting what the adapter adds per event', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => job(i, 60 * 1024));
    const plan = planPushes(jobs);
    expect(plan.batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    for (const batch of plan.batches) {
      expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(QUEUE_LIMITS.maxPushBytes);
      expect(batch.reduce((n, j) => n + jobBytes(j), 2)).toBeLessThanOrEqual(QUEUE_LIMITS.maxPushBytes);
    }
  });

  it('sets aside a job larger than one event may be, and queues the rest', () => {
    const plan = planPushes([job(1), job(2, 101 * 1024), job(3)]);
    expect(plan.batches).toEqual([[job(1), job(3)]]);
    expect(plan.oversized).toHaveLength(1);
    expect(plan.oversized[0]!.bytes).toBeGreaterThan(QUEUE_LIMITS.maxEventBytes);
  });

  it('plans nothing for nothing', () => {
    expect(planPushes([])).toEqual({ batches: [], oversized: [] });
  });
});

describe('queueDelaySeconds', () => {
  it('rounds up and keeps within 0..900', () => {
    expect(queueDelaySeconds(0.2)).toBe(1);
    expect(queueDelaySeconds(-5)).toBe(0);
    expect(queueDelaySeconds(5000)).toBe(900);
    expect(queueDelaySeconds(Number.NaN)).toBe(0);
  });
});
