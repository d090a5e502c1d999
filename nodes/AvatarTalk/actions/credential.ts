import type { IExecuteFunctions, INodeCredentialDescription } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { hasAvatarTalkCredential } from '../transport';
import { OPERATIONS_WITHOUT_CREDENTIAL } from './lightning';

/**
 * The node's credentials, each shown (and required) only where it is used, the way n8n's own
 * nodes declare theirs (`displayOptions` on the credential): the editor then selects and asks for
 * exactly these, and n8n hands a credential to the node only where it is shown.
 * - AvatarTalk API: every operation except Lightning pay-per-video, which needs no account (the
 *   Lightning operation values are not used by any other resource; a unit test checks it).
 * - LiveKit API: LiveKit > Create LiveKit Session with Room Tokens "Create With LiveKit
 *   Credential" (its key and secret sign the room tokens); "Enter Tokens" needs none.
 */
export const CREDENTIALS: INodeCredentialDescription[] = [
	{ name: 'avatarTalkApi', required: true, displayOptions: { hide: { operation: OPERATIONS_WITHOUT_CREDENTIAL } } },
	{
		name: 'liveKitApi',
		required: true,
		displayOptions: { show: { resource: ['liveKit'], operation: ['createSession'], tokenSource: ['credential'] } },
	},
];

/**
 * The editor asks for the AvatarTalk credential wherever it is shown, but cannot when the
 * operation comes from elsewhere (an AI agent using the node as a tool, a workflow saved without
 * one, an imported workflow). Without a credential, the operations that send the API key stop
 * here, before any request, saying what to select, instead of n8n's generic message.
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
