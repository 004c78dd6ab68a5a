import { TooManyEventsError } from '@forge/events';
import { createForgeEventsQueue, forgeConcurrencyKey } from '../../../src/adapters/forge/events-queue';
import type { QueueJob } from '../../../src/app/jobs';
import { forgeEventsFake } from '../../fakes/forge-events';

const aJob = (name: string, extra: Partial<QueueJob> = {}): QueueJob => ({ body: { type: 'flush-group', groupKey: name }, ...extra });

describe('Forge events queue adapter (real @forge/events client)', () => {
  it('pushes jobs as one request with bodies, delays and a per-key concurrency of 1', async () => {
    const fake = forgeEventsFake();
    const queue = createForgeEventsQueue({ key: 'build-alerts-jobs', apiClient: fake.apiClient });
    await queue.push([aJob('a'), aJob('b', { delayInSeconds: 30, concurrencyKey: 'slack:abc:inc-1' })]);
    expect(fake.pushes).toHaveLength(1);
    expect(fake.pushes[0]!.queueName).toBe('build-alerts-jobs');
    expect(fake.pushes[0]!.payload).toEqual([
      { body: { type: 'flush-group', groupKey: 'a' } },
      { body: { type: 'flush-group', groupKey: 'b' }, delayInSeconds: 30, concurrency: { key: forgeConcurrencyKey('slack:abc:inc-1'), limit: 1 } },
    ]);
  });

  it('maps concurrency keys to a stable, conservative alphabet', () => {
    expect(forgeConcurrencyKey('simple_key-1')).toBe('simple_key-1');
    const mapped = forgeConcurrencyKey('slack:T0/B1:{incident}');
    expect(mapped).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(forgeConcurrencyKey('slack:T0/B1:{incident}')).toBe(mapped);
    expect(forgeConcurrencyKey('slack:T0/B1:{incident2}')).not.toBe(mapped);
  });

  it('lets @forge/events refuse more than 50 jobs, and skips an empty push', async () => {
    const fake = forgeEventsFake();
    const queue = createForgeEventsQueue({ key: 'q', apiClient: fake.apiClient });
    await expect(queue.push(Array.from({ length: 51 }, (_, i) => aJob(`j${i}`)))).rejects.toBeInstanceOf(TooManyEventsError);
    await queue.push([]);
    expect(fake.pushes).toHaveLength(0);
  });
});
