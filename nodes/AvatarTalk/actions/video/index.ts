import type { ResourceEntry } from '../../../shared/describe';
import * as generateInference from './generateInference.operation';
import * as getVideo from './getVideo.operation';

/** The "Video" resource: its operations, one file each in this folder. */
export const videoResource: ResourceEntry = {
	name: 'Video',
	value: 'video',
	default: 'generateInference',
	operations: [
		{
			name: 'Generate Inference',
			value: 'generateInference',
			action: 'Generate a talking avatar video from text',
			description: 'Turn text into a talking-avatar MP4: wait for it, stream it, or get links that generate it later',
			module: generateInference,
		},
		{
			name: 'Get Video',
			value: 'getVideo',
			action: 'Download an inference video',
			description: 'Download the MP4 of a finished or delayed inference by ID or URL',
			module: getVideo,
		},
	],
};
