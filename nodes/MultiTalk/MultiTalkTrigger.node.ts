import type {
	IDataObject,
	IHookFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { downloadJobVideo } from './helpers/download';
import { videoOutputField } from './actions/common';
import type { DeliveryLedger, MultiTalkEvent } from './trigger/delivery';
import {
	CLAIM_GRACE_MS,
	alreadyDelivered,
	eventKey,
	parsePayload,
	processClaims,
	processLedgers,
	recordDelivery,
	secretMatches,
} from './trigger/delivery';
import { MAIN_CONNECTION } from '../shared/compat';

/** Header that may carry the secret instead of the `secret` query parameter. */
const SECRET_HEADER = 'x-multitalk-secret';

interface RawRequest {
	body?: unknown;
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
	headers: Record<string, string | string[] | undefined>;
	query?: Record<string, unknown>;
}

interface RawResponse {
	status(code: number): RawResponse;
	json(body: unknown): unknown;
	headersSent?: boolean;
}

/** The hidden Claim Grace parameter, bounded to 0 ms .. 1 hour. */
function claimGraceMs(ctx: IWebhookFunctions): number {
	const value = Number(ctx.getNodeParameter('claimGraceMs', CLAIM_GRACE_MS));
	return Number.isFinite(value) ? Math.min(Math.max(value, 0), 3_600_000) : CLAIM_GRACE_MS;
}

function reply(res: RawResponse, status: number, body: IDataObject): IWebhookResponseData {
	res.status(status).json(body);
	return { noWebhookResponse: true };
}

/**
 * Answers an accepted event with JSON and hands back the output item; on `completed` with
 * Download Video on, the MP4 is attached.
 *
 * The node always answers the call itself (`noWebhookResponse`), for two reasons found in n8n
 * 2.41's live-webhook code (webhooks/live-webhooks.ts, webhook-helpers.ts, workflow-runner.ts):
 * - n8n stores the static data a webhook call changed (the delivery ledger) in the callback that
 *   sends the answer. Left to n8n, an `onReceived` answer is sent only after the execution has
 *   been started, and starting it builds a second Workflow on the same static data object, which
 *   resets its "changed" flag: the ledger was never stored. Answering here makes n8n store the
 *   ledger before it starts the execution.
 * - n8n's own `onReceived` answer for this node is the literal text `firstEntryJson` (text/html).
 */
async function acceptEvent(ctx: IWebhookFunctions, event: MultiTalkEvent, res: RawResponse): Promise<IWebhookResponseData> {
	// MultiTalk gives up on a webhook after 10 s and retries: answer now, then download.
	res.status(200).json({ message: 'Workflow was started' });
	const download = (ctx.getNodeParameter('downloadVideo', false) as boolean) && event.status === 'completed';
	if (!download) return { noWebhookResponse: true, workflowData: [[{ json: event }]] };

	const property = String(ctx.getNodeParameter('binaryPropertyName', 'data') || 'data');
	let item: INodeExecutionData;
	try {
		const { link, binary } = await downloadJobVideo(ctx, { jobId: event.job_id });
		item = {
			json: { ...event, download_url: link.download_url, expires_in: link.expires_in, s3_uri: link.s3_uri },
			binary: { [property]: binary },
		};
	} catch (error) {
		// The notification is already acknowledged: start the workflow anyway, with the reason,
		// so the job is not lost (the video can be fetched later with Get Download URL).
		item = { json: { ...event, download_error: (error as Error).message ?? String(error) } };
	}
	return { noWebhookResponse: true, workflowData: [[item]] };
}

export class MultiTalkTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'MultiTalk Trigger',
		name: 'multiTalkTrigger',
		icon: { light: 'file:../../icons/multitalk.svg', dark: 'file:../../icons/multitalk.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"When a job is " + ($parameter["statuses"] || []).join(", ")}}',
		description: 'Starts the workflow when MultiTalk reports that a video job has ended',
		defaults: { name: 'MultiTalk Trigger' },
		inputs: [],
		outputs: [MAIN_CONNECTION],
		credentials: [{ name: 'multiTalkApi', required: true, displayOptions: { show: { downloadVideo: [true] } } }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'Copy this node’s Production URL (under "Webhook URLs" above) into the Webhook URL field of MultiTalk’s Submit operation. If you set a Secret below, add it to the URL: …/webhook?secret=YOUR_SECRET. Publish the workflow so that the Production URL listens.',
				name: 'urlNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Trigger On',
				name: 'statuses',
				type: 'multiOptions',
				options: [
					{ name: 'Cancelled', value: 'cancelled', description: 'The job was cancelled' },
					{ name: 'Completed', value: 'completed', description: 'The video is ready' },
					{ name: 'Failed', value: 'failed', description: 'Generation failed (see the error field)' },
					{ name: 'Test Notification', value: 'test', description: 'Sent by the MultiTalk node’s Test Webhook operation' },
				],
				default: ['completed', 'failed', 'cancelled'],
				description: 'Which job endings start the workflow; other notifications are acknowledged and ignored',
			},
			{
				displayName: 'Secret',
				name: 'secret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'Optional. When set, a call must carry it as the "secret" query parameter (…/webhook?secret=…) or the X-MultiTalk-Secret header, otherwise it is refused with 401 and nothing starts.',
			},
			{
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				description:
					'Whether to fetch the finished MP4 and attach it as binary data when a job is completed (the temporary link is asked for with the MultiTalk credential; the video itself is fetched without it)',
			},
			videoOutputField,
			{
				// How long, after an event was handed to n8n, this process keeps refusing copies of
				// it from memory (n8n stores the ledger as it answers; this covers that store and a
				// slow database). Hidden: tests set it short to prove the stored ledger is read back.
				displayName: 'Claim Grace (Ms)',
				name: 'claimGraceMs',
				type: 'hidden',
				default: CLAIM_GRACE_MS,
			},
			{
				// n8n leaves the body of this (version 1) webhook unparsed when options.binaryData is
				// set, so the node reads the bytes itself and answers malformed JSON with 400
				// (n8n's own parser would answer 422 before the node runs).
				displayName: 'Raw Body',
				name: 'options',
				type: 'hidden',
				default: { binaryData: true },
			},
		],
	};

	/**
	 * MultiTalk has no webhook registry: the URL travels with each job (Submit's Webhook URL).
	 * The lifecycle therefore registers locally: it records the URL this trigger listens on, so
	 * the delivery ledger (kept across publish and unpublish) belongs to a known endpoint.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node');
				return data.listeningOn === this.getNodeWebhookUrl('default');
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node');
				data.listeningOn = this.getNodeWebhookUrl('default');
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node');
				delete data.listeningOn;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject() as unknown as RawRequest;
		const res = this.getResponseObject() as unknown as RawResponse;

		// 1. The secret, before anything about the body is revealed.
		const secret = String(this.getNodeParameter('secret', '') ?? '');
		if (secret !== '') {
			const header = req.headers[SECRET_HEADER];
			const presented = (Array.isArray(header) ? header[0] : header) ?? (this.getQueryData() as IDataObject).secret;
			if (!secretMatches(presented, secret)) {
				return reply(res, 401, { error: 'Unauthorized', detail: 'Missing or wrong webhook secret' });
			}
		}

		// 2. The body: the documented payload, or 400. n8n left the bytes unread (see the hidden
		// `options` parameter); when a host parsed them anyway, its result is used.
		if (req.rawBody === undefined && typeof req.readRawBody === 'function') {
			try {
				await req.readRawBody();
			} catch {
				return reply(res, 400, { error: 'Bad Request', detail: 'The request body could not be read' });
			}
		}
		const parsed = parsePayload(req.rawBody ?? (Buffer.isBuffer(req.body) ? req.body : undefined), req.body);
		if (!parsed.ok) return reply(res, 400, { error: 'Bad Request', detail: parsed.problem });
		const event = parsed.event;

		// 3. The status filter: other endings are acknowledged (so MultiTalk does not retry).
		const statuses = (this.getNodeParameter('statuses', []) as string[]) ?? [];
		if (!statuses.includes(event.status)) {
			return { webhookResponse: { received: true, started: false, reason: `status "${event.status}" is not selected` } };
		}

		// 4. Exactly once per (job_id, status).
		const dedup = this.getMode() !== 'manual' && event.status !== 'test';
		const key = eventKey(event);
		const ledgerId = `${this.getWorkflow().id ?? ''}|${this.getNode().id}`;
		const claimKey = `${ledgerId}|${key}`;
		const ledger = this.getWorkflowStaticData('node') as DeliveryLedger;
		if (dedup) {
			if (alreadyDelivered(ledger, key, Date.now()) || !processClaims.claim(claimKey, Date.now())) {
				// A duplicate changes nothing: writing the ledger back here (so that n8n stores it
				// again) made n8n leave MultiTalk's retries unanswered past 10 s under a burst
				// (test/e2e/reliability/realN8n.test.ts).
				return { webhookResponse: { received: true, started: false, reason: 'duplicate' } };
			}
			recordDelivery(ledger, key, Date.now());
			processLedgers.remember(ledgerId, key, Date.now());
		}

		let handedOver = false;
		try {
			const item = await acceptEvent(this, event, res);
			// n8n saves this request's copy of the static data next: make it carry every event
			// this process recorded meanwhile, not only this one
			if (dedup) processLedgers.mergeInto(ledgerId, ledger, Date.now());
			handedOver = true;
			return item;
		} finally {
			// a claim outlives the hand-over by a grace period, but never a failed hand-over
			// (acceptEvent reports download failures in the item, so that is not expected)
			if (dedup && handedOver) processClaims.settle(claimKey, Date.now(), claimGraceMs(this));
			else if (dedup) {
				processClaims.release(claimKey);
				processLedgers.forget(ledgerId, key);
			}
		}
	}
}
