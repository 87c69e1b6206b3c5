/**
 * @module The zod number schemas of the config files, with the wording of their one-line errors
 * (`workload.operations: must be >= 1, got 0`).
 */
import { z } from 'zod';

export const nonNegative = (): z.ZodNumber => z.number({ error: 'must be a number' }).min(0, { error: 'must be >= 0' });
export const positive = (): z.ZodNumber => z.number({ error: 'must be a number' }).gt(0, { error: 'must be > 0' });
export const nonNegativeInt = (): z.ZodNumber => z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(0, { error: 'must be >= 0' });
export const positiveInt = (): z.ZodNumber => z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(1, { error: 'must be >= 1' });
