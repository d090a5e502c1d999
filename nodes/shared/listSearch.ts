import type { IDataObject, INodeListSearchResult } from 'n8n-workflow';

/** `2026-12-02T10:00:00.123Z` -> `2026-12-02 10:00:00 UTC` (anything else as it is). */
function shownTime(value: unknown): string {
	return String(value ?? '').replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}

/**
 * A resource locator's From List for records a provider lists with an ID, a `status` and a
 * `created_at` (MultiTalk jobs, AvaTar sessions): newest first, labelled
 * "status · created · [detail · ]ID", the typed filter matched against ID and status.
 */
export function byStatusList(
	records: unknown,
	idKey: string,
	filter: string | undefined,
	detail: (record: IDataObject) => string = () => '',
): INodeListSearchResult {
	const all = Array.isArray(records) ? (records as IDataObject[]) : [];
	const wanted = (filter ?? '').trim().toLowerCase();
	const created = (record: IDataObject) => Date.parse(String(record.created_at ?? '')) || 0;
	return {
		results: all
			.filter((record) => typeof record[idKey] === 'string' && record[idKey] !== '')
			.filter((record) => !wanted || `${String(record[idKey])} ${String(record.status ?? '')}`.toLowerCase().includes(wanted))
			.sort((a, b) => created(b) - created(a))
			.map((record) => {
				const extra = detail(record);
				return {
					name: `${String(record.status ?? 'unknown')} · ${shownTime(record.created_at)}${extra ? ` · ${extra}` : ''} · ${String(record[idKey])}`,
					value: String(record[idKey]),
				};
			}),
	};
}
