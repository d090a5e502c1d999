import { buildOperationMap, buildProperties } from '../../shared/describe';
import { lightningResource } from './lightning';
import { liveKitResource } from './liveKit';
import { streamResource } from './stream';
import { videoResource } from './video';

const resources = [videoResource, streamResource, liveKitResource, lightningResource];

export const properties = buildProperties(resources, 'video');
export const operations = buildOperationMap(resources);
