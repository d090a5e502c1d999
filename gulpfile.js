// `n8n-node build` compiles TypeScript and copies SVG/PNG icons, but not the node codex files
// (`*.node.json`: categories, aliases and documentation links shown in n8n's node panel).
// This task copies both into dist/ so every node ships with its icon and its codex.
const { src, dest, parallel } = require('gulp');

function copyCodex() {
	return src('nodes/**/*.node.json', { base: '.' }).pipe(dest('dist'));
}

function copyIcons() {
	return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}', 'icons/**/*.{png,svg}'], {
		base: '.',
		allowEmpty: true,
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:assets'] = parallel(copyCodex, copyIcons);
exports.default = exports['build:assets'];
