import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { apiRequest } from '../../shared/http';
import type { RequestContext } from '../../shared/http';
import { byStatusList } from '../../shared/listSearch';
import { avaTar } from '../transport';

/**
 * The Session ID picker's "From list": the server's active sessions (GET /v1/streaming.sessions),
 * newest first, labelled with status, start time and duration. The API has no search, so the
 * typed filter matches the session ID or status here.
 */
export async function searchSessions(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	// apiRequest needs only getNode, getCredentials and the request helpers, which the editor's
	// list-search context has too (it has no binary helpers, hence not in RequestContext).
	const response = await apiRequest<{ sessions?: IDataObject[] }>(this as unknown as RequestContext, avaTar, {
		method: 'GET',
		url: '/v1/streaming.sessions',
		limits: { maxAttempts: 2 },
	});
	return byStatusList(response.body.sessions, 'session_id', filter, (session) =>
		typeof session.duration === 'number' ? `${Math.round(session.duration)} s` : '',
	);
}
