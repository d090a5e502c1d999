/**
 * The README's Reliability section is generated from the suite's tables (fault matrix, bad
 * inputs, webhook load): this checks it is in place and current. To refresh it after changing a
 * table: UPDATE_README=1 npx jest test/integration/reliability/readme.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { NEXT_SECTION, SECTION_END, SECTION_START, reliabilityCounts, renderReliabilitySection, withReliabilitySection } from '../../reliability-helpers/readmeSection';

const README = path.resolve(__dirname, '..', '..', '..', 'README.md');

it('the README states the counts the tests run, before the Limits section', () => {
	let readme = readFileSync(README, 'utf8');
	if (process.env.UPDATE_README === '1') {
		readme = withReliabilitySection(readme);
		writeFileSync(README, readme);
	}
	const start = readme.indexOf(SECTION_START);
	const end = readme.indexOf(SECTION_END);
	expect(start).toBeGreaterThan(-1);
	expect(readme.slice(start, end + SECTION_END.length)).toBe(renderReliabilitySection());
	expect(readme.indexOf(NEXT_SECTION)).toBeGreaterThan(end);
});

it('the counts are what the issue asks for', () => {
	const c = reliabilityCounts();
	expect(c.badInputs).toBeGreaterThanOrEqual(40);
	expect(c.faults).toBe(9);
	expect(c.httpCases).toBe(c.requests * c.faults - c.notInjectable);
});
