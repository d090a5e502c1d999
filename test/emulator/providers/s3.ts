import { randomBytes } from 'node:crypto';

import { chunked } from '../media';
import type { Emulator } from '../server';
import type { EmuRequest, EmuResponse, FaultRule, ServiceName } from '../types';
import { STORAGE_PREFIX } from '../types';

/** The API origins that may serve storage themselves (`storageOnApiOrigin`). */
const API_ORIGINS_WITH_STORAGE: ServiceName[] = ['avatarTalk', 'multiTalk', 'museTalk', 'liveTalking'];

/** The message real S3 gives when a presigned request also carries an Authorization header. */
export const S3_ONE_AUTH_MECHANISM =
	'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified';

function xmlEscape(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** S3's XML error document: `<Error><Code/><Message/>` and then `extra`'s fields, in order. */
export function s3ErrorXml(code: string, message: string, extra: Record<string, string> = {}): string {
	const fields = Object.entries({ Code: code, Message: message, ...extra })
		.map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
		.join('');
	return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>`;
}

/** Answers with S3's error document (`...<RequestId/><HostId/></Error>`). */
export function s3Error(res: EmuResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
	const body = s3ErrorXml(code, message, { ...extra, RequestId: randomBytes(8).toString('hex').toUpperCase(), HostId: randomBytes(24).toString('base64') });
	res.send(status, body, { 'content-type': 'application/xml' });
}

/**
 * A fault for tests: the next request to `service`'s storage (its /storage/ path, storage on
 * the API's origin) gets S3's error document with this status, code and message.
 */
export function storageFault(service: ServiceName, status: number, code: string, message: string, extra: Record<string, string> = {}): FaultRule {
	return {
		service,
		path: new RegExp(`^${STORAGE_PREFIX}/`),
		fault: { kind: 'status', status, body: s3ErrorXml(code, message, extra), headers: { 'content-type': 'application/xml' } },
		times: 1,
	};
}

/**
 * The object store behind presigned links (MultiTalk downloads, LiveTalking recordings,
 * AvatarTalk and MuseTalk files). It answers like S3 does:
 * - A presigned request (SigV4 query: X-Amz-Algorithm ... X-Amz-Signature, or the older
 *   Signature query parameter) that also carries an `Authorization` header is refused before
 *   anything else is looked at: 400 InvalidArgument "Only one auth mechanism allowed...", with
 *   the header's value echoed in ArgumentValue, as S3 does (so a client that forwards its API
 *   key here both fails and hands the key to the storage). This is the default, on the
 *   storage's own origin and on an API origin alike: S3 and S3-compatible stores behave so.
 * - An expired link: 403 AccessDenied "Request has expired"; an unknown or forged one: 403
 *   AccessDenied "Access Denied".
 * Served on the `s3` origin at /<bucket>/<key>, and, for links handed out while
 * `storageOnApiOrigin` is on, on the provider's own origin at /storage/<bucket>/<key> (doc
 * silent on where the storage lives: the MultiTalk and LiveTalking documents show AWS hosts,
 * but deployments also put it behind their own host or proxy, which is where credentials leak).
 */
export function register(emulator: Emulator): void {
	const serve = (prefix: string) => async (req: EmuRequest, res: EmuResponse) => {
		const presigned = ['X-Amz-Algorithm', 'X-Amz-Signature', 'X-Amz-Credential', 'Signature'].some((name) => req.query.has(name));
		const authorization = req.headers.authorization;
		if (presigned && authorization !== undefined) {
			return s3Error(res, 400, 'InvalidArgument', S3_ONE_AUTH_MECHANISM, { ArgumentName: 'Authorization', ArgumentValue: authorization });
		}
		const grant = emulator.store.resolve(req.query.get('X-Amz-Signature'));
		if (grant === 'expired') return s3Error(res, 403, 'AccessDenied', 'Request has expired');
		const key = req.path.slice(prefix.length + 1).split('/').map(decodeURIComponent).join('/');
		const object = grant && grant.key === key ? emulator.store.get(key) : undefined;
		if (!object) return s3Error(res, 403, 'AccessDenied', 'Access Denied');
		await res.stream(200, { 'content-type': object.contentType, 'content-length': String(object.data.length) }, (async function* () {
			yield* chunked(object.data);
		})());
	};
	emulator.app('s3').route('GET', /^\/.+/, serve(''));
	const onApi = new RegExp(`^${STORAGE_PREFIX}/.+`);
	for (const service of API_ORIGINS_WITH_STORAGE) emulator.app(service).route('GET', onApi, serve(STORAGE_PREFIX));
}
