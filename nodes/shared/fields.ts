import type { INodeProperties } from 'n8n-workflow';

/**
 * Field builders every node uses, so the same kind of field has the same name, wording and
 * look everywhere. Parameter names stay what users' saved workflows hold.
 */

/** The "Options" collection of an operation, holding these optional fields. */
export function optionsCollection(options: INodeProperties[], overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
		...overrides,
	};
}

/** The output binary field a downloaded file is put in (`binaryPropertyName`, default `data`). */
export function outputBinaryField(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the output binary field to put the file in',
		...overrides,
	};
}
