import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { hasAvatarTalkCredential } from '../transport';
import { OPERATIONS_WITHOUT_CREDENTIAL } from './lightning';

/**
 * The node's AvatarTalk credential is optional because Lightning pay-per-video needs no
 * account; every other operation sends the API key. Without a credential they stop here, before
 * any request, saying what to select, instead of n8n's "Node does not require credentials".
 */
export function requireCredentialUnlessPayPerVideo(ctx: IExecuteFunctions): void {
	if (hasAvatarTalkCredential(ctx)) return;
	const resource = ctx.getNodeParameter('resource', 0) as string;
	const operation = ctx.getNodeParameter('operation', 0) as string;
	if (resource === 'lightning' && OPERATIONS_WITHOUT_CREDENTIAL.includes(operation)) return;
	throw new NodeOperationError(ctx.getNode(), 'Credential to connect with: this operation needs an AvatarTalk API credential', {
		description:
			'Select or create an "AvatarTalk API" credential with your API key. Only Lightning pay-per-video (Request Video, Wait for Payment, Get Payment, Generate Video, Decode Invoice) works without one.',
	});
}
