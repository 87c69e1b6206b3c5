/**
 * @module Regression comparison of two result sets (docs/ci/README.md): load, compare, render.
 */
export { CompareInputError, loadResultSet, parseSummary, readSummaryFile, resultSetOf, type LoadedSummary, type ResultSet } from './load.ts';
export { compareResults, exactVerdict, noisyVerdict, runKey, ROW_VERDICTS, type Comparison, type ComparisonRow, type CompareOptions, type RowVerdict } from './compare.ts';
export { DEFAULT_TOLERANCES, parseTolerances, toleranceFor, describeTolerances, type Tolerances } from './tolerance.ts';
export { bootstrapMedianRatio, median, type RatioInterval } from './stats.ts';
export { formatMarkdown, formatTerminal, formatNumber, summaryLine, toJson, writeFileAtomic } from './format.ts';
