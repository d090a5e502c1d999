/** The queue-mode suite's start-up check names what is missing and how to start it. */
import { freePort } from '../n8nRunner';
import { checkQueueServices, queueAddresses } from './queueCluster';

jest.setTimeout(10 * 60_000); // the first run provisions n8n (its `pg` driver is used)

it('fails with a message naming the unreachable Postgres and Redis, and how to start them', async () => {
	const closed = String(await freePort());
	const addresses = queueAddresses({ TA_POSTGRES_PORT: closed, TA_REDIS_PORT: closed });
	const failure = await checkQueueServices(addresses).then(
		() => undefined,
		(error: Error) => error.message,
	);
	expect(failure).toContain(`PostgreSQL is not reachable at 127.0.0.1:${closed}`);
	expect(failure).toContain('apt-get install postgresql');
	expect(failure).toContain(`Redis is not reachable at 127.0.0.1:${closed}`);
	expect(failure).toContain('apt-get install redis-server');
	expect(failure).toContain('TA_REDIS_HOST');
});

it('passes when both answer at the configured addresses', async () => {
	await expect(checkQueueServices(queueAddresses())).resolves.toBeUndefined();
});
