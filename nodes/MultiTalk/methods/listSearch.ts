import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { apiRequest } from '../../shared/http';
import type { RequestContext } from '../../shared/http';
import { byStatusList } from '../../shared/listSearch';
import { multiTalk } from '../transport';

/**
 * The Job ID picker's "From list": MultiTalk's List Jobs (the most it returns, 100), newest
 * first, each labelled with its status and when it was created. The API has no search, so the
 * typed filter matches the job ID or status here.
 */
export async function searchJobs(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	// apiRequest needs only getNode, getCredentials and the request helpers, which the editor's
	// list-search context has too (it has no binary helpers, hence not in RequestContext).
	const response = await apiRequest<{ jobs?: IDataObject[] }>(this as unknown as RequestContext, multiTalk, {
		method: 'GET',
		url: '/jobs',
		qs: { limit: 100 },
		limits: { maxAttempts: 2 },
	});
	return byStatusList(response.body.jobs, 'job_id', filter);
}
