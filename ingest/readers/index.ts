/** Public API of the input readers. */
export { openInput, formatFromExtension, type InputTable, type InputFormat, type OpenInputOptions } from './open-input.ts';
export { ReaderError, isReaderError, READER_ERROR_CODES, type ReaderErrorCode } from './errors.ts';
export { detectEncoding, detectFileEncoding, findInvalidUtf8, type TextEncoding } from './detect-encoding.ts';
export { normalizeHeaderLabel, sniffDelimiter, uniqueColumnNames, EXTRA_COLUMN } from './header.ts';
export { CsvFileWriter, encodeCsvField, encodeCsvRow } from './csv-writer.ts';
