import type { EmuRequest, EmuResponse } from './types';

/**
 * Checks `Authorization: Bearer <key>`. On failure answers with the provider's documented
 * 401 body and returns false.
 */
export function requireBearer(req: EmuRequest, res: EmuResponse, key: string, unauthorizedBody: unknown): boolean {
	if (req.bearer === key) return true;
	res.json(401, unauthorizedBody);
	return false;
}
