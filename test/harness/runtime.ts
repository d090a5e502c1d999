/**
 * The process-wide pieces n8n-core expects to find in its dependency-injection container:
 * a hermetic n8n home (temp dir), a filesystem BinaryDataService, and the outbound HTTP client.
 *
 * n8n-core 2.41 ships its own copy of `@n8n/di` (nested under node_modules/n8n-core), so the
 * container must be the one n8n-core itself resolves; `require.resolve(..., { paths })` goes
 * through jest's module registry and therefore yields the very instance n8n-core uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { BinaryDataService } from 'n8n-core';

type Constructor<T> = abstract new (...args: never[]) => T;

export interface DiContainer {
	get<T>(type: Constructor<T>): T;
	set<T>(type: Constructor<T>, instance: T): void;
	has(type: Constructor<unknown>): boolean;
}

export interface HarnessRuntime {
	/** The temp N8N_USER_FOLDER of this test file. */
	home: string;
	container: DiContainer;
	binaryDataService: BinaryDataService;
}

const coreDir = path.dirname(require.resolve('n8n-core/package.json'));

/** Loads a package exactly as n8n-core resolves it (its nested copies first). */
export function requireFromCore<T>(id: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(require.resolve(id, { paths: [coreDir] })) as T;
}

let runtime: Promise<HarnessRuntime> | undefined;
let home: string | undefined;

/**
 * Sets up (once per test file) the n8n home, the DI container and the binary data store.
 * Overrides N8N_USER_FOLDER for this process so nothing touches a developer's real n8n folder.
 */
export async function getRuntime(): Promise<HarnessRuntime> {
	runtime ??= (async () => {
		home = mkdtempSync(path.join(tmpdir(), 'ta-harness-'));
		process.env.N8N_USER_FOLDER = home;
		process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
		process.env.N8N_BINARY_DATA_STORAGE_PATH = path.join(home, 'binary-data');
		process.env.N8N_LOG_LEVEL ??= 'silent';
		process.env.N8N_DIAGNOSTICS_ENABLED = 'false';

		requireFromCore('reflect-metadata');
		const { Container } = requireFromCore<{ Container: DiContainer }>('@n8n/di');
		const core = await import('n8n-core');
		// Built from the environment above, like n8n's own start-up does.
		const binaryDataService = Container.get(core.BinaryDataService);
		await binaryDataService.init();
		return { home, container: Container, binaryDataService };
	})();
	return await runtime;
}

/** Removes this test file's temp n8n home. Call it from `afterAll`. */
export async function cleanupHarness(): Promise<void> {
	if (!runtime) return;
	await runtime.catch(() => undefined);
	if (home) rmSync(home, { recursive: true, force: true });
	runtime = undefined;
	home = undefined;
}
