/**
 * The README's "Reliability" section, written from the suite's own tables so that its counts
 * cannot drift from what the tests run. test/integration/reliability/readme.test.ts checks the
 * README against it (and rewrites it with UPDATE_README=1).
 */
import { BAD_INPUTS } from './badInputs';
import { HTTP_FAULTS, KNOWN_BUGS, MATRIX_ROWS, WS_FAULTS, WS_KNOWN_BUGS, WS_ROWS } from './faultMatrix';
import { NODE_LABEL } from './nodes';
import { WEBHOOK_LOAD, WEBHOOK_LOAD_TOTALS } from './webhookLoad';

export const SECTION_START = '<!-- section:reliability -->';
export const SECTION_END = '<!-- /section:reliability -->';
/** The section goes right before this marker. */
export const NEXT_SECTION = '<!-- section:limits -->';

export function reliabilityCounts() {
	const operations = new Set(MATRIX_ROWS.map((row) => `${row.node}|${row.operation.replace(/ \(.*\)$/, '')}`));
	const httpCases = MATRIX_ROWS.reduce((n, row) => n + HTTP_FAULTS.filter((f) => !row.notInjectable?.[f.key]).length, 0);
	return {
		requests: MATRIX_ROWS.length,
		operations: operations.size,
		faults: HTTP_FAULTS.length,
		httpCases,
		notInjectable: MATRIX_ROWS.length * HTTP_FAULTS.length - httpCases,
		continueOnFail: MATRIX_ROWS.length,
		wsSessions: WS_ROWS.length,
		wsFaults: WS_FAULTS.length,
		wsCases: WS_ROWS.length * WS_FAULTS.length,
		badInputs: BAD_INPUTS.length,
		badInputNodes: new Set(BAD_INPUTS.map((b) => b.node)).size,
	};
}

const list = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/** Short names of the faults, for the README. */
const FAULT_NAMES: Record<string, string> = {
	'500': 'HTTP 500',
	'502': '502',
	'503': '503',
	'429': '429 with Retry-After',
	reset: 'connection reset',
	hang: 'no answer past the timeout',
	truncate: 'body cut short',
	malformedJson: 'malformed JSON',
	html: 'HTML error page',
	close1008: 'close 1008',
	close1011: 'close 1011 mid-stream',
	abrupt: 'connection dropped mid-stream',
	silence: 'silence past the time limit',
};

export function renderReliabilitySection(): string {
	const c = reliabilityCounts();
	const w = WEBHOOK_LOAD_TOTALS;
	const endpoints = [...new Set(WS_ROWS.map((row) => `${NODE_LABEL[row.node]} \`${row.endpoint}\``))];
	const gaps = [...Object.values(KNOWN_BUGS), ...Object.values(WS_KNOWN_BUGS)].map((bug) => `  - ${bug.summary}.`);
	const lines = [
		SECTION_START,
		'## Reliability',
		'What the test suite (`npm test`) checks against the built-in emulator and a real n8n 2.41.1.',
		'The figures are computed from the tests\' own tables.',
		'',
		`- **Faults: ${c.httpCases + c.continueOnFail + c.wsCases} cases.** Every HTTP request of every operation (${c.requests} requests of`,
		`  ${c.operations} operations) x ${c.faults} faults (${list(HTTP_FAULTS.map((f) => FAULT_NAMES[f.key]))}),`,
		`  each injected once: ${c.httpCases} cases${c.notInjectable ? ` (plus ${c.notInjectable} tested separately: a cut event stream)` : ''}. A request that`,
		'  may be repeated (reads, downloads, deletes, or anything refused with 429/503) is sent again',
		'  and the run succeeds; one that may have started paid work is sent once, and the item fails',
		'  with the provider\'s message (or a plain one) and the HTTP code. Nothing hangs, and no binary',
		'  output is ever a cut or non-video body. Continue On Fail, per request, with 3 items',
		`  (${c.continueOnFail} cases): only the failing item becomes an error item. WebSockets (${list(endpoints)})`,
		`  x ${list(WS_FAULTS.map((f) => FAULT_NAMES[f.key]))}: ${c.wsCases} cases, each a clear`,
		'  error and no partial MP4 (an AvaTar realtime exchange ends at its Time Limit, marked',
		'  `endReason: "timeLimit"`).',
		`- **Bad input: ${c.badInputs} invalid values** across all ${c.badInputNodes} nodes (wrong options, out-of-range numbers,`,
		'  empty or too-long text, malformed S3 URLs, non-WAV or wrong-format WAV, malformed or expired',
		'  BOLT11 invoices, missing binary fields, bad SDP, bad IDs): each fails naming the field and',
		'  what is allowed, before anything is sent.',
		'- **Secrets:** with a unique value for every secret (API keys, Firebase token, LiveKit key and',
		'  secret), every operation runs normally and failing, with WebSocket sessions, presigned links,',
		'  redirects to another host and the credential tests: no secret shows up in any output, binary,',
		'  error or log line, and none goes to any host but its credential\'s own.',
		'- **Cancellation:** stopping an execution ends polls, Retry-After waits, streamed downloads and',
		'  WebSocket sessions within one second, with no request after it and no connection left open',
		'  on the server side, in n8n\'s engine and in a running n8n (the Stop button\'s REST call).',
		`- **Webhook load: ${w.callbacks} MultiTalk callbacks** to a published MultiTalk Trigger in a running n8n, within`,
		`  ${Math.round(w.windowMs / 1000)} s (longer on a slower machine: the suite first measures how many executions a second`,
		`  that n8n runs from its own Webhook node and spreads the valid events to need at most ${Math.round(w.utilisation * 100)}% of it):`,
		`  ${w.valid} valid job endings (${WEBHOOK_LOAD.completed} completed, ${WEBHOOK_LOAD.failed} failed, ${WEBHOOK_LOAD.cancelled} cancelled), each sent again`,
		`  after a lost answer (MultiTalk's documented retries), ${w.unauthorised} with a wrong or missing secret, ${w.malformed}`,
		`  malformed: exactly ${w.valid} executions, one per (job, status), none for the others, none lost.`,
		'  How many events a second n8n takes is measured against n8n\'s own Webhook node in',
		'  [Scaling (queue mode)](#scaling-queue-mode); a much larger instant burst, or a machine too busy',
		'  to keep up, can outlast MultiTalk\'s retries, so size n8n for heavy webhook traffic.',
		...(gaps.length ? ['- **Known gaps** (their tests are marked as failing until fixed):', ...gaps] : []),
		SECTION_END,
	];
	return lines.join('\n');
}

/** The README with the section in place (replaced, or inserted before the Limits section). */
export function withReliabilitySection(readme: string): string {
	const section = renderReliabilitySection();
	const start = readme.indexOf(SECTION_START);
	if (start !== -1) {
		const end = readme.indexOf(SECTION_END, start);
		if (end === -1) throw new Error('README has a reliability start marker without its end marker');
		return readme.slice(0, start) + section + readme.slice(end + SECTION_END.length);
	}
	const at = readme.indexOf(NEXT_SECTION);
	if (at === -1) throw new Error(`README has no ${NEXT_SECTION} marker`);
	return `${readme.slice(0, at)}${section}\n\n${readme.slice(at)}`;
}
