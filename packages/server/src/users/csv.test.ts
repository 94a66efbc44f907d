// RFC 4180 CSV parsing for `deskchat user import`.
import { describe, expect, it } from '@jest/globals';
import { CsvSyntaxError, parseCsv } from './csv.js';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits records on CRLF and fields on commas (RFC 4180 §2 rules 1, 4)', () => {
    expect(fields('a,b\r\nc,d\r\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('accepts LF-only line breaks and a last record without a line break (RFC 4180 §2 rule 2)', () => {
    expect(fields('a,b\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('keeps commas inside quoted fields (RFC 4180 §2 rule 6)', () => {
    expect(fields('"Smith, Ann",x\n')).toEqual([['Smith, Ann', 'x']]);
  });

  it('reads a doubled quote inside a quoted field as one quote (RFC 4180 §2 rule 7)', () => {
    expect(fields('"say ""hi""",""""\n')).toEqual([['say "hi"', '"']]);
  });

  it('keeps line breaks inside quoted fields and numbers records by the line they start on (RFC 4180 §2 rule 6)', () => {
    const records = parseCsv('h1,h2\r\n"two\r\nlines",x\r\n"three\nmore\nlines",y\nlast,z\n');
    expect(records).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['two\r\nlines', 'x'] },
      { line: 4, fields: ['three\nmore\nlines', 'y'] },
      { line: 7, fields: ['last', 'z'] },
    ]);
  });

  it('ignores a UTF-8 byte order mark at the start', () => {
    expect(fields('\uFEFFusername,password\n')).toEqual([['username', 'password']]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fields('a,,c,\n')).toEqual([['a', '', 'c', '']]);
  });

  it('skips blank lines but counts them in line numbers', () => {
    expect(parseCsv('a,b\n\n\r\nc,d\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 4, fields: ['c', 'd'] },
    ]);
  });

  it('keeps a record holding one quoted empty field', () => {
    expect(fields('""\n')).toEqual([['']]);
  });

  it('keeps non-ASCII text intact', () => {
    expect(fields('josé,Zoë Ünal\n')).toEqual([['josé', 'Zoë Ünal']]);
  });

  it('rejects an unterminated quoted field, naming the line where it starts', () => {
    expect(() => parseCsv('a,b\nc,"open\nmore\n')).toThrow(new CsvSyntaxError(2, 'unterminated quoted field'));
  });

  it('rejects a quote inside an unquoted field (RFC 4180 §2 rule 5)', () => {
    expect(() => parseCsv('a,b\nc,d"e\n')).toThrow(/^line 2: a quote inside an unquoted field/);
  });

  it('rejects text after a closing quote', () => {
    expect(() => parseCsv('"a"b,c\n')).toThrow(/^line 1: unexpected character after a closing quote/);
  });

  it('parses an empty text as no records', () => {
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('\uFEFF')).toEqual([]);
  });
});
