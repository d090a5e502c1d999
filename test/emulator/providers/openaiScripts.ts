/**
 * What the emulator's chat model does by default (see openai.ts): one script per agent example,
 * written the way a model reasons. A script picks its tools by their descriptions (n8n's
 * "<action> in <node>" or the workflow's own), fills the arguments their JSON schemas ask for,
 * reads the results (the JSON items n8n returns), and ends with an answer built from them.
 * When a tool answers with an error, the script stops and passes the error on, as a model would.
 */
import type { Conversation, ModelScript, ModelTurn, OfferedTool, ToolCallRecord } from './openai';

/** Thrown by a script when the tools do not let it go on: becomes the model's answer. */
export class ScriptError extends Error {}

const normalise = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The offered tool whose description (or name) matches; a ScriptError naming what was offered. */
export function toolFor(conversation: Conversation, pattern: RegExp): OfferedTool {
	const tool = conversation.tools.find((candidate) => pattern.test(candidate.description) || pattern.test(candidate.name));
	if (!tool) {
		const offered = conversation.tools.map((t) => `${t.name} ("${t.description}")`).join('; ') || 'none';
		throw new ScriptError(`no tool fits ${pattern} (offered: ${offered})`);
	}
	return tool;
}

export function hasTool(conversation: Conversation, pattern: RegExp): boolean {
	return conversation.tools.some((tool) => pattern.test(tool.description) || pattern.test(tool.name));
}

/**
 * Arguments for a tool: every property of its schema that `values` has a value for (keys
 * compared without case and punctuation, so `job_id` fills `Job_ID`). A required property
 * without a value is a ScriptError: the model would not know what to send.
 */
export function argsFor(tool: OfferedTool, values: Record<string, unknown>): Record<string, unknown> {
	const byKey = new Map(Object.entries(values).map(([key, value]) => [normalise(key), value]));
	const args: Record<string, unknown> = {};
	const properties = tool.parameters.properties ?? {};
	for (const key of Object.keys(properties)) {
		const value = byKey.get(normalise(key));
		if (value !== undefined) args[key] = value;
	}
	for (const key of tool.parameters.required ?? []) {
		if (!(key in args)) {
			throw new ScriptError(`tool ${tool.name} asks for "${key}" (${properties[key]?.description ?? 'no description'}), which this script cannot fill`);
		}
	}
	return args;
}

/** The latest call of a tool, if made. */
export function lastCall(conversation: Conversation, tool: OfferedTool): ToolCallRecord | undefined {
	return conversation.calls.filter((call) => call.name === tool.name).at(-1);
}

/** The text between the first pair of quotes in the prompt, else the whole prompt. */
export function quoted(prompt: string): string {
	return /["“]([^"”]+)["”]/.exec(prompt)?.[1] ?? prompt;
}

function call(tool: OfferedTool, values: Record<string, unknown>): ModelTurn {
	return { toolCalls: [{ name: tool.name, args: argsFor(tool, values) }] };
}

/** A tool answered with an error item (`{ error: ... }`): the answer says what went wrong. */
function failed(conversation: Conversation): ModelTurn | undefined {
	const last = conversation.calls.at(-1);
	if (!last || last.resultText === undefined) return undefined;
	const error = last.item?.error;
	// (a MultiTalk job carries `error: null` until it fails)
	if (last.item && (error === undefined || error === null)) return undefined;
	const detail = last.item?.description ? ` (${String(last.item.description)})` : '';
	return { content: `Sorry, the ${last.name} tool failed: ${String(error ?? last.resultText)}${detail}` };
}

const AVATARTALK_GENERATE = /generate a talking avatar video from text/i;
const MULTITALK_SUBMIT = /submit a job in multitalk/i;
const MULTITALK_GET = /get a job in multitalk/i;
const MULTITALK_WAIT = /wait for a job to finish/i;
const MULTITALK_LINK = /download url/i;
const AVATAR_CREATE = /create a new avatar session/i;
const AVATAR_SPEAK = /make the avatar speak/i;
const AVATAR_STOP = /stop an avatar session/i;

/** "Make a video that says "…" and give me its link" with an AvatarTalk Generate tool. */
export const avatarTalkVideoLink: ModelScript = {
	name: 'avatartalk-video-link',
	matches: (c) => hasTool(c, AVATARTALK_GENERATE),
	next(c) {
		const generate = toolFor(c, AVATARTALK_GENERATE);
		const done = lastCall(c, generate);
		if (!done) return call(generate, { text: quoted(c.prompt), input_text: quoted(c.prompt) });
		const problem = failed(c);
		if (problem) return problem;
		const video = done.item ?? {};
		if (typeof video.mp4_url !== 'string') throw new ScriptError(`${generate.name} returned no mp4_url: ${done.resultText}`);
		const length = typeof video.video_duration_seconds === 'number' ? ` It is ${video.video_duration_seconds} seconds long.` : '';
		return { content: `Your video is ready: ${video.mp4_url}${length} (AvatarTalk video ${String(video.id)}, status ${String(video.status)})` };
	},
};

/** Submit a MultiTalk job, check it, wait for it, then answer with its download link. */
export const multiTalkJob: ModelScript = {
	name: 'multitalk-submit-and-check',
	matches: (c) => hasTool(c, MULTITALK_SUBMIT),
	next(c) {
		const submit = toolFor(c, MULTITALK_SUBMIT);
		const check = toolFor(c, MULTITALK_GET);
		const wait = toolFor(c, MULTITALK_WAIT);
		const link = toolFor(c, MULTITALK_LINK);
		const problem = failed(c);
		if (problem) return problem;
		const submitted = lastCall(c, submit);
		if (!submitted) {
			const urls = c.prompt.match(/s3:\/\/\S+?(?=[\s,;)]|\.(?:\s|$)|$)/g) ?? [];
			return call(submit, {
				prompt: quoted(c.prompt),
				image_s3_url: urls.find((url) => /\.(png|jpe?g|webp)$/i.test(url)),
				audio_s3_url: urls.find((url) => /\.(wav|mp3)$/i.test(url)),
			});
		}
		const jobId = submitted.item?.job_id;
		if (typeof jobId !== 'string') throw new ScriptError(`${submit.name} returned no job_id: ${submitted.resultText}`);
		const checked = lastCall(c, check);
		if (!checked) return call(check, { job_id: jobId });
		const finished = checked.item?.status === 'completed' || lastCall(c, wait) !== undefined;
		if (!finished) return call(wait, { job_id: jobId });
		const linked = lastCall(c, link);
		if (!linked) return call(link, { job_id: jobId });
		const url = linked.item?.download_url;
		if (typeof url !== 'string') throw new ScriptError(`${link.name} returned no download_url: ${linked.resultText}`);
		return {
			content: `Job ${jobId} was ${String(checked.item?.status)} when I first checked; it is completed now. Download the video here: ${url} (the link works for ${String(linked.item?.expires_in)} seconds)`,
		};
	},
};

/** Open an AvaTar session, make the avatar say the quoted text, close the session. */
export const avatarSpeak: ModelScript = {
	name: 'avatar-speak',
	matches: (c) => hasTool(c, AVATAR_SPEAK),
	next(c) {
		const create = toolFor(c, AVATAR_CREATE);
		const speak = toolFor(c, AVATAR_SPEAK);
		const stop = toolFor(c, AVATAR_STOP);
		const problem = failed(c);
		if (problem) return problem;
		const created = lastCall(c, create);
		if (!created) return call(create, {});
		const sessionId = created.item?.session_id;
		if (typeof sessionId !== 'string') throw new ScriptError(`${create.name} returned no session_id: ${created.resultText}`);
		const spoken = lastCall(c, speak);
		if (!spoken) return call(speak, { session_id: sessionId, text: quoted(c.prompt) });
		const stopped = lastCall(c, stop);
		if (!stopped) return call(stop, { session_id: sessionId });
		return {
			content:
				`The avatar said it in session ${sessionId} (task ${String(spoken.item?.task_id)}, about ${String(spoken.item?.duration_estimate)} seconds of speech). ` +
				`The session is ${String(stopped.item?.status)}.`,
		};
	},
};

export const DEFAULT_SCRIPTS: ModelScript[] = [avatarTalkVideoLink, multiTalkJob, avatarSpeak];
