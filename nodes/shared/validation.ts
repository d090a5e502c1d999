import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * Checks user input before anything is sent. Every failure is a NodeOperationError whose
 * message names the field (as the user sees it in the UI) and says what is allowed.
 */
export class InputValidator {
	constructor(
		private readonly node: INode,
		private readonly itemIndex: number,
	) {}

	fail(field: string, problem: string, allowed?: string): never {
		throw new NodeOperationError(this.node, `${field}: ${problem}`, {
			itemIndex: this.itemIndex,
			description: allowed ? `Allowed: ${allowed}` : undefined,
		});
	}

	/** A non-empty string (after trimming), optionally within a length range. */
	text(field: string, value: unknown, { min = 1, max }: { min?: number; max?: number } = {}): string {
		if (value === undefined || value === null || typeof value === 'object') {
			this.fail(field, 'is required', max ? `text of ${min} to ${max} characters` : 'any non-empty text');
		}
		const s = String(value);
		if (s.trim().length < min) {
			this.fail(field, min <= 1 ? 'must not be empty' : `must be at least ${min} characters long`, max ? `${min} to ${max} characters` : undefined);
		}
		if (max !== undefined && s.length > max) {
			this.fail(field, `is ${s.length} characters long, more than the ${max} allowed`, `${min} to ${max} characters`);
		}
		return s;
	}

	/** One of a fixed list of values (case-sensitive, as the APIs are). */
	oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
		const s = String(value ?? '');
		if (!(allowed as readonly string[]).includes(s)) {
			this.fail(field, s === '' ? 'is required' : `"${s}" is not a valid value`, allowed.join(', '));
		}
		return s as T;
	}

	/** A number within [min, max], optionally a whole number. */
	number(
		field: string,
		value: unknown,
		{ min, max, integer = false }: { min?: number; max?: number; integer?: boolean },
	): number {
		const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
		const range = `${integer ? 'a whole number' : 'a number'}${min !== undefined ? ` from ${min}` : ''}${max !== undefined ? ` to ${max}` : ''}`;
		if (!Number.isFinite(n)) this.fail(field, `"${String(value)}" is not a number`, range);
		if (integer && !Number.isInteger(n)) this.fail(field, `${n} is not a whole number`, range);
		if ((min !== undefined && n < min) || (max !== undefined && n > max)) this.fail(field, `${n} is out of range`, range);
		return n;
	}

	/** `s3://bucket/key`, with a bucket name S3 would accept and a non-empty key. */
	s3Url(field: string, value: unknown): string {
		const s = String(value ?? '').trim();
		const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s);
		const bucketOk = match && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1]) && !match[1].includes('..');
		if (!match || !bucketOk) {
			this.fail(field, s === '' ? 'is required' : `"${s}" is not a valid S3 URL`, 's3://bucket-name/path/to/file (lower-case bucket name of 3-63 characters, then a key)');
		}
		return s;
	}

	/** An S3 bucket name on its own. */
	s3Bucket(field: string, value: unknown): string {
		const s = String(value ?? '').trim();
		if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s) || s.includes('..')) {
			this.fail(field, `"${s}" is not a valid S3 bucket name`, '3-63 characters: lower-case letters, digits, dots and hyphens');
		}
		return s;
	}

	/** An absolute URL with one of the given schemes. */
	url(field: string, value: unknown, schemes: readonly string[] = ['http', 'https']): string {
		const s = String(value ?? '').trim();
		let parsed: URL | undefined;
		try {
			parsed = new URL(s);
		} catch {
			parsed = undefined;
		}
		if (!parsed || !schemes.includes(parsed.protocol.replace(/:$/, ''))) {
			this.fail(field, s === '' ? 'is required' : `"${s}" is not a valid URL`, `an absolute ${schemes.join(' or ')} URL`);
		}
		return s;
	}

	/** A binary field name (input or output): non-empty, no spaces, at most 200 characters. */
	binaryField(field: string, value: unknown): string {
		const s = String(value ?? '').trim();
		if (s === '' || /\s/.test(s) || s.length > 200) {
			this.fail(field, s === '' ? 'is required' : `"${s.slice(0, 40)}" is not a usable binary field name`, 'a name without spaces, up to 200 characters, e.g. data');
		}
		return s;
	}

	/** An identifier to put in a URL path: non-empty, no slashes, no whitespace. */
	pathId(field: string, value: unknown): string {
		const s = String(value ?? '').trim();
		if (s === '' || /[\s/?#]/.test(s)) {
			this.fail(field, s === '' ? 'is required' : `"${s}" is not a valid ID`, 'an ID without spaces, slashes, ? or #');
		}
		return s;
	}
}

export function validatorFor(node: INode, itemIndex: number): InputValidator {
	return new InputValidator(node, itemIndex);
}
