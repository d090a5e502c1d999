import type { OperationMap } from '../../shared/router';
import * as health from './service/health.operation';

export const operations: OperationMap = {
	service: { health },
};
