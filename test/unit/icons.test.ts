/**
 * Icons a user tells apart at a glance, in n8n's light and dark themes:
 * - every node and credential declares a { light, dark } icon, both files exist and differ;
 * - a credential shows its node's icon (LiveKit, a service of its own, has its own);
 * - each provider has its own outline shape and its own colour;
 * - the shape stands out from n8n's canvas (light and dark) and the glyph from the shape:
 *   WCAG contrast >= 3 for graphics, computed from the SVGs' own colours.
 * The browser suite (test/e2e/browser) shows them on n8n's canvas in both themes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { ICredentialType, INodeType } from 'n8n-workflow';

const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } };
const sourceOf = (distPath: string) => join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

function load<T>(distPath: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(sourceOf(distPath)) as Record<string, new () => T>;
	return new (Object.values(mod)[0])();
}

interface Themed {
	light: string;
	dark: string;
}
const themed = (icon: unknown, from: string): Themed => {
	const { light, dark } = (icon ?? {}) as Partial<Themed>;
	if (typeof light !== 'string' || typeof dark !== 'string') throw new Error(`${from}: icon is not { light, dark }`);
	const file = (ref: string) => resolve(dirname(sourceOf(from)), ref.replace(/^file:/, ''));
	return { light: file(light), dark: file(dark) };
};

const nodes = pkg.n8n.nodes.map((p) => ({ path: p, type: load<INodeType>(p).description, icon: themed(load<INodeType>(p).description.icon, p) }));
const credentials = pkg.n8n.credentials.map((p) => ({ path: p, type: load<ICredentialType>(p), icon: themed(load<ICredentialType>(p).icon, p) }));

// What an icon sits on: n8n 2.41's node card, white in the light theme and a dark grey in the
// dark one (read off the browser suite's canvas screenshots, docs/screenshots/canvas-*.png)
const CANVAS = { light: '#ffffff', dark: '#2a2a2e' };

/** The first drawn element (the outline shape), its fill, and the glyph colour (first other fill). */
function anatomy(file: string): { outline: string; shape: string; glyph: string } {
	const svg = readFileSync(file, 'utf8');
	const elements = [...svg.matchAll(/<(rect|circle|path|ellipse|polygon)\b([^>]*)\/?>/g)];
	if (elements.length < 2) throw new Error(`${file}: an outline and a glyph expected`);
	const fill = (attrs: string) => /fill="(#[0-9a-fA-F]{6})"/.exec(attrs)?.[1]?.toLowerCase();
	const [first] = elements;
	const shape = fill(first[2]);
	const glyph = elements.slice(1).map((e) => fill(e[2])).find((f) => f !== undefined && f !== shape);
	if (!shape || !glyph) throw new Error(`${file}: outline or glyph colour missing`);
	const outline = `${first[1]} ${first[2].replace(/\s*fill="[^"]*"/, '').trim()}`;
	return { outline, shape, glyph };
}

function luminance(hex: string): number {
	const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
	const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (hi + 0.05) / (lo + 0.05);
};

describe('icons', () => {
	const all = [...nodes, ...credentials];

	it.each(all.map((x) => [x.path, x.icon] as const))('%s: light and dark exist, are SVGs and differ', (_path, icon) => {
		const light = readFileSync(icon.light, 'utf8');
		const dark = readFileSync(icon.dark, 'utf8');
		expect(light).toMatch(/^<svg [^>]*viewBox="0 0 60 60"/);
		expect(dark).toMatch(/^<svg [^>]*viewBox="0 0 60 60"/);
		expect(dark).not.toBe(light);
		// our own drawings: no embedded images, fonts or text (a mark copied as a bitmap or glyph)
		expect(`${light}${dark}`).not.toMatch(/<(image|text|font|use)\b|xlink:href|data:/);
	});

	it('a credential shows the icon of the node it belongs to; LiveKit has its own', () => {
		for (const credential of credentials) {
			const owners = nodes.filter((n) => n.type.credentials?.[0]?.name === credential.type.name);
			if (owners.length === 0) {
				expect(nodes.map((n) => n.icon.light)).not.toContain(credential.icon.light);
				continue;
			}
			for (const owner of owners) expect({ credential: credential.type.name, icon: credential.icon }).toEqual({ credential: credential.type.name, icon: owner.icon });
		}
	});

	it('each provider has its own outline shape and its own colour, in both themes', () => {
		const providers = [...new Map(all.map((x) => [x.icon.light, x.icon])).values()];
		expect(providers.length).toBe(6);
		for (const theme of ['light', 'dark'] as const) {
			const drawn = providers.map((p) => anatomy(p[theme]));
			expect(new Set(drawn.map((d) => d.outline)).size).toBe(providers.length);
			expect(new Set(drawn.map((d) => d.shape)).size).toBe(providers.length);
		}
	});

	it.each(['light', 'dark'] as const)('%s theme: the shape stands out from the canvas and the glyph from the shape', (theme) => {
		for (const icon of new Set(all.map((x) => x.icon[theme]))) {
			const { shape, glyph } = anatomy(icon);
			expect({ icon, canvas: contrast(shape, CANVAS[theme]) >= 3 }).toEqual({ icon, canvas: true });
			expect({ icon, glyph: contrast(glyph, shape) >= 4.5 }).toEqual({ icon, glyph: true });
		}
	});

	it('dark variants are light-coloured (brighter than their light-theme shape)', () => {
		for (const icon of new Set(all.map((x) => x.icon))) {
			expect(luminance(anatomy(icon.dark).shape)).toBeGreaterThan(luminance(anatomy(icon.light).shape));
		}
	});
});
