// RFC 4180 CSV: fields separated by commas, records by CRLF (LF alone is accepted too); a field in
// double quotes may hold commas, line breaks and doubled quotes (""). A leading UTF-8 byte order
// mark is ignored, and so are blank lines.

export interface CsvRecord {
  /** 1-based line on which the record starts (records may span lines inside quotes). */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

const BOM = '\uFEFF';

/** Parses a whole CSV text. Throws CsvSyntaxError on a quote out of place or an unterminated field. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let pos = text.startsWith(BOM) ? BOM.length : 0;
  let line = 1;
  while (pos < text.length) {
    const start = line;
    const fields: string[] = [];
    let isQuoted = false;
    // One iteration per field; a record ends at a line break or at the end of the text.
    for (;;) {
      let value: string;
      if (text[pos] === '"') {
        // Quoted field (RFC 4180 §2 rules 5-7): up to the next quote that is not doubled.
        let parts = '';
        isQuoted = true;
        pos += 1;
        for (;;) {
          const quote = text.indexOf('"', pos);
          if (quote < 0) throw new CsvSyntaxError(start, 'unterminated quoted field');
          const chunk = text.slice(pos, quote);
          line += countLineBreaks(chunk);
          parts += chunk;
          if (text[quote + 1] === '"') {
            parts += '"';
            pos = quote + 2;
          } else {
            pos = quote + 1;
            break;
          }
        }
        value = parts;
        if (pos < text.length && !isFieldEnd(text, pos)) throw new CsvSyntaxError(line, 'unexpected character after a closing quote');
      } else {
        const end = fieldEnd(text, pos);
        value = text.slice(pos, end);
        if (value.includes('"')) throw new CsvSyntaxError(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
        pos = end;
      }
      fields.push(value);
      if (text[pos] === ',') {
        pos += 1;
        continue;
      }
      pos += lineBreakLength(text, pos);
      line += 1;
      break;
    }
    const isBlank = fields.length === 1 && fields[0] === '' && !isQuoted;
    if (!isBlank) records.push({ line: start, fields });
  }
  return records;
}

function isFieldEnd(text: string, pos: number): boolean {
  return text[pos] === ',' || text[pos] === '\n' || (text[pos] === '\r' && text[pos + 1] === '\n') || text[pos] === '\r';
}

function fieldEnd(text: string, pos: number): number {
  let end = pos;
  while (end < text.length && !isFieldEnd(text, end)) end += 1;
  return end;
}

/** CRLF, LF or a lone CR (old Mac files); 0 at the end of the text. */
function lineBreakLength(text: string, pos: number): number {
  if (text[pos] === '\r') return text[pos + 1] === '\n' ? 2 : 1;
  return text[pos] === '\n' ? 1 : 0;
}

function countLineBreaks(chunk: string): number {
  const matches = chunk.match(/\r\n|\r|\n/g);
  return matches ? matches.length : 0;
}
