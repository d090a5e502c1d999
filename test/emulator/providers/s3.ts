import type { Emulator } from '../server';
import { chunked } from '../media';

/**
 * The object store behind presigned links (MultiTalk downloads, LiveTalking recordings). It is
 * its own origin, like S3: a request that arrives here with an Authorization header is a
 * credential leak, which tests look for in the request log.
 */
export function register(emulator: Emulator): void {
	const app = emulator.app('s3');
	app.route('GET', /^\/.+/, async (req, res) => {
		const grant = emulator.store.resolve(req.query.get('X-Amz-Signature'));
		if (grant === 'expired') {
			return res.send(403, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', { 'content-type': 'application/xml' });
		}
		const key = req.path.slice(1).split('/').map(decodeURIComponent).join('/');
		const object = grant && grant.key === key ? emulator.store.get(key) : undefined;
		if (!object) {
			return res.send(403, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>', { 'content-type': 'application/xml' });
		}
		await res.stream(200, { 'content-type': object.contentType, 'content-length': String(object.data.length) }, (async function* () {
			yield* chunked(object.data);
		})());
	});
}
