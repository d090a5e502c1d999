import type { INodePropertyOptions } from 'n8n-workflow';

/**
 * Shared AvatarTalk vocabularies (see the provider document: "Avatar Options", "Language
 * Options", emotions). Every AvatarTalk operation imports its dropdowns and validation lists
 * from here so they never drift apart.
 */

/** The 14 documented avatars, in the document's order, with its friendly names. */
export const AVATAR_OPTIONS: INodePropertyOptions[] = [
	{ name: 'African Man', value: 'african_man' },
	{ name: 'African Woman', value: 'african_woman' },
	{ name: 'Arab Man', value: 'arab_man' },
	{ name: 'Arab Woman', value: 'arab_woman' },
	{ name: 'Colombian Woman', value: 'colombian_woman' },
	{ name: 'Elderly Japanese Man', value: 'old_japanese_man' },
	{ name: 'Elderly Woman', value: 'old_european_woman' },
	{ name: 'European Man', value: 'european_man' },
	{ name: 'European Woman', value: 'european_woman' },
	{ name: 'Iranian Man', value: 'iranian_man' },
	{ name: 'Japanese Man', value: 'japanese_man' },
	{ name: 'Japanese Woman', value: 'japanese_woman' },
	{ name: 'Mexican Man', value: 'mexican_man' },
	{ name: 'Mexican Woman', value: 'mexican_woman' },
];
export const AVATARS: string[] = AVATAR_OPTIONS.map((o) => String(o.value));
export const DEFAULT_AVATAR = 'european_woman';

/** The three emotions every endpoint accepts. */
export const EMOTION_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Happy', value: 'happy' },
	{ name: 'Neutral', value: 'neutral' },
	{ name: 'Serious', value: 'serious' },
];
export const EMOTIONS: string[] = EMOTION_OPTIONS.map((o) => String(o.value));

/**
 * The three emotions plus `expressive` (WebSocket /ws/infer, LiveKit sessions, Lightning
 * generate-video; the API turns `expressive` into `neutral` where it does not support it).
 */
export const EMOTION_OPTIONS_WITH_EXPRESSIVE: INodePropertyOptions[] = [
	{
		name: 'Expressive',
		value: 'expressive',
		description: 'The avatar changes its expression with the content',
	},
	...EMOTION_OPTIONS,
];
export const EMOTIONS_WITH_EXPRESSIVE: string[] = EMOTION_OPTIONS_WITH_EXPRESSIVE.map((o) =>
	String(o.value),
);
export const DEFAULT_EMOTION = 'neutral';

/** The 17 documented speech languages, sorted by friendly name. */
export const LANGUAGE_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Arabic', value: 'ar' },
	{ name: 'Chinese', value: 'zh' },
	{ name: 'Czech', value: 'cs' },
	{ name: 'Dutch', value: 'nl' },
	{ name: 'English', value: 'en' },
	{ name: 'French', value: 'fr' },
	{ name: 'German', value: 'de' },
	{ name: 'Hindi', value: 'hi' },
	{ name: 'Hungarian', value: 'hu' },
	{ name: 'Italian', value: 'it' },
	{ name: 'Japanese', value: 'ja' },
	{ name: 'Korean', value: 'ko' },
	{ name: 'Polish', value: 'pl' },
	{ name: 'Portuguese', value: 'pt' },
	{ name: 'Russian', value: 'ru' },
	{ name: 'Spanish', value: 'es' },
	{ name: 'Turkish', value: 'tr' },
];
export const LANGUAGES: string[] = LANGUAGE_OPTIONS.map((o) => String(o.value));
export const DEFAULT_LANGUAGE = 'en';

/**
 * WebSocket /ws/continuous: the document offers it "currently only" for `mexican_woman` (other
 * avatars "can be requested") and "currently only" in `en`. The other values stay in the
 * dropdowns, marked, so saved workflows keep loading and an account AvatarTalk enabled for more
 * can use them; the server refuses what the account lacks (close 1008 "Invalid parameters").
 */
export const CONTINUOUS_AVATAR = 'mexican_woman';
export const CONTINUOUS_LANGUAGE = 'en';
const IF_ENABLED = ' (If Enabled for You)';
export const CONTINUOUS_AVATAR_OPTIONS: INodePropertyOptions[] = AVATAR_OPTIONS.map((o) =>
	o.value === CONTINUOUS_AVATAR
		? { ...o, description: 'Offered for continuous sessions' }
		: { name: `${o.name}${IF_ENABLED}`, value: o.value, description: 'Only once AvatarTalk has enabled it for your account (on request)' },
);
export const CONTINUOUS_LANGUAGE_OPTIONS: INodePropertyOptions[] = LANGUAGE_OPTIONS.map((o) =>
	o.value === CONTINUOUS_LANGUAGE
		? { ...o, description: 'Supported for continuous sessions' }
		: { name: `${o.name}${IF_ENABLED}`, value: o.value, description: 'Not offered for continuous sessions unless AvatarTalk enabled it for your account' },
);

/** "name (value)" list for error messages naming the allowed values. */
export function describeAllowed(options: INodePropertyOptions[]): string {
	return options.map((o) => `${o.name} (${String(o.value)})`).join(', ');
}
