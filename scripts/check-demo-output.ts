/**
 * CI's fresh-machine step runs `npm run demo`, then this: every file the example workflows write
 * (their Read/Write Files from Disk nodes' paths) must be in demo-output/ and be real media.
 * MP4s are parsed (ftyp, moov, media, a video track with samples, nothing cut short; the
 * fragmented layout where the file has fragments), other files must be non-empty. A path built
 * by an expression (`...-{{ $itemIndex + 1 }}.mp4`) must match at least one file.
 * Exits 1 naming each missing or bad file.
 * Usage (after `npm run demo`, which compiles it): node build/scripts/check-demo-output.js
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { READ_WRITE_FILE, loadExamples } from '../test/e2e/exampleRunner';
import { REPO_ROOT } from '../test/e2e/n8nRunner';
import { expectFragmentedMp4, expectMp4, inspectMp4 } from '../test/helpers/mp4';

/** The files one Write node's path stands for (a literal path, or an expression's matches). */
function filesFor(fileName: string): string[] {
	if (!fileName.startsWith('=')) return [fileName];
	const [, prefix, suffix] = /^=([^{]*)\{\{.*\}\}([^{}]*)$/.exec(fileName) ?? [];
	if (prefix === undefined) throw new Error(`cannot read the path expression ${fileName}`);
	const dir = path.posix.dirname(prefix);
	const base = path.posix.basename(prefix);
	const full = path.join(REPO_ROOT, dir);
	if (!existsSync(full)) return [];
	return readdirSync(full)
		.filter((name) => name.startsWith(base) && name.endsWith(suffix))
		.map((name) => path.posix.join(dir, name));
}

const problems: string[] = [];
let checked = 0;
for (const example of loadExamples()) {
	const writers = example.workflow.nodes.filter(
		(node) => node.type === READ_WRITE_FILE && !node.disabled && node.parameters.operation === 'write',
	);
	for (const writer of writers) {
		const fileName = String(writer.parameters.fileName ?? '');
		const files = filesFor(fileName);
		if (files.length === 0) problems.push(`${example.slug}: no file for ${fileName}`);
		for (const file of files) {
			const full = path.join(REPO_ROOT, file);
			if (!existsSync(full)) {
				problems.push(`${file} (${example.slug}): missing`);
				continue;
			}
			const data = readFileSync(full);
			try {
				if (file.endsWith('.mp4')) {
					if (inspectMp4(data).boxes.includes('moof')) expectFragmentedMp4(data);
					else expectMp4(data);
				} else if (data.length === 0) throw new Error('empty');
				checked++;
				console.log(`ok  ${file}  ${data.length} bytes`);
			} catch (error) {
				problems.push(`${file} (${example.slug}): ${(error as Error).message}`);
			}
		}
	}
}
if (problems.length || checked === 0) {
	console.error(`Demo output check FAILED:\n${problems.map((p) => `  - ${p}`).join('\n') || '  - the examples write no files'}`);
	process.exit(1);
}
console.log(`Demo output: ${checked} media files checked.`);
