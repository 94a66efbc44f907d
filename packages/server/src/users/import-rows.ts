// Reads the rows of a `deskchat user import` file: an RFC 4180 CSV whose header row names the
// columns username and password (required) and name and email (optional), in any order.
// Each row is checked like `deskchat user add` checks its arguments (RFC 7622 §3.3 usernames,
// RFC 4013 passwords); a bad row is reported with its line number and the others still import.
import { emailProblem, nameProblem, parseUsername, passwordProblem } from './account-fields.js';
import { CommandError } from './command-error.js';
import { CsvSyntaxError, parseCsv } from './csv.js';

export interface ImportRow {
  line: number;
  /** Normalised (lower case). */
  username: string;
  password: string;
  name?: string;
  email?: string;
}

export interface RowError {
  line: number;
  message: string;
}

const REQUIRED = ['username', 'password'] as const;
const COLUMNS = [...REQUIRED, 'name', 'email'] as const;
type Column = (typeof COLUMNS)[number];

/** Splits the file into valid rows and row errors. Throws CommandError when the file as a whole is unusable. */
export function readImportRows(text: string): { rows: ImportRow[]; errors: RowError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new CommandError(`not a valid CSV file (RFC 4180): ${err.message}`);
    throw err;
  }
  const [header, ...data] = records;
  if (!header) throw new CommandError(`the file is empty: expected a header row ${COLUMNS.join(',')}`);
  const columns = readHeader(header.fields);
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  const firstLine = new Map<string, number>();
  for (const record of data) {
    if (record.fields.length !== columns.length) {
      errors.push({ line: record.line, message: `expected ${columns.length} fields, found ${record.fields.length}` });
      continue;
    }
    const cell = (column: Column) => {
      const index = columns.indexOf(column);
      return index < 0 ? '' : record.fields[index]!;
    };
    const problem = rowProblem(cell);
    if (problem) {
      errors.push({ line: record.line, message: problem });
      continue;
    }
    // parseUsername cannot fail here: rowProblem checked it.
    const username = parseUsername(cell('username').trim())!;
    const earlier = firstLine.get(username);
    if (earlier !== undefined) {
      errors.push({ line: record.line, message: `duplicate of line ${earlier}` });
      continue;
    }
    firstLine.set(username, record.line);
    const row: ImportRow = { line: record.line, username, password: cell('password') };
    const name = cell('name').trim();
    const email = cell('email').trim();
    if (name) row.name = name;
    if (email) row.email = email;
    rows.push(row);
  }
  return { rows, errors };
}

/** Header names are matched without regard to case or surrounding spaces. */
function readHeader(fields: string[]): Column[] {
  const names = fields.map((f) => f.trim().toLowerCase());
  const unknown = names.filter((n) => !(COLUMNS as readonly string[]).includes(n));
  if (unknown.length) {
    throw new CommandError(`unknown column${unknown.length > 1 ? 's' : ''} ${quoteAll(unknown)} in the header row (expected ${COLUMNS.join(', ')})`);
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) throw new CommandError(`column ${quoteAll([...new Set(repeated)])} appears more than once in the header row`);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) {
    throw new CommandError(`missing column${missing.length > 1 ? 's' : ''} ${quoteAll(missing)} in the header row (${COLUMNS.join(',')}; name and email are optional)`);
  }
  return names as Column[];
}

/** The first thing wrong with a row, in the order a person would fix them. */
function rowProblem(cell: (column: Column) => string): string | undefined {
  const rawUsername = cell('username').trim();
  if (!rawUsername) return 'empty username';
  if (!parseUsername(rawUsername)) return `invalid username '${rawUsername}'`;
  const password = passwordProblem(cell('password'));
  if (password) return password;
  const name = cell('name').trim();
  const email = cell('email').trim();
  return (name ? nameProblem(name) : undefined) ?? (email ? emailProblem(email) : undefined);
}

function quoteAll(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}
