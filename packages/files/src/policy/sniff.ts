// Content sniffing by magic bytes (issue #10: "Types are checked by extension and by content"):
// what the first bytes of a file say it is, as the extensions that content goes by. Only
// signatures long or structured enough not to match ordinary text are listed, because a false
// match refuses a good file. Executables of every platform count as `exe`, so that a native
// binary renamed to anything is refused wherever `exe` is.
//
// Known limit: Windows Installer packages share the OLE2 container of Office 97 documents, so an
// `.msi` renamed to `.doc` is not told apart (the family lists both; see check.ts for how a
// family is judged).

export interface Sniffed {
  /** What the content is, for messages: "a Windows executable". */
  label: string;
  /** Extensions this content goes by; the first is the usual one. */
  extensions: string[];
}

/** How many leading bytes the sniffer looks at (the upload buffers this much before deciding). */
export const SNIFF_BYTES = 4096;

type Test = (b: Uint8Array) => boolean;

const bytesAt = (offset: number, ...expected: number[]): Test => (b) => expected.every((v, i) => b[offset + i] === v);
const asciiAt = (offset: number, text: string): Test => bytesAt(offset, ...[...text].map((c) => c.charCodeAt(0)));
const all = (...tests: Test[]): Test => (b) => tests.every((t) => t(b));
const any = (...tests: Test[]): Test => (b) => tests.some((t) => t(b));

/** Leading text, without a BOM and whitespace, lower-cased, for the few text formats. */
function leadingText(b: Uint8Array, length = 256): string {
  let start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (start < b.length && (b[start] === 0x20 || b[start] === 0x09 || b[start] === 0x0a || b[start] === 0x0d)) start++;
  return Buffer.from(b.subarray(start, start + length)).toString('latin1').toLowerCase();
}

const EXECUTABLE = ['exe', 'dll', 'scr', 'com', 'cpl', 'ocx', 'sys', 'efi'];

const SIGNATURES: { label: string; extensions: string[]; test: Test }[] = [
  // An MZ header is binary (text never holds NUL), which keeps a text starting with "MZ" out.
  { label: 'a Windows executable', extensions: EXECUTABLE, test: all(asciiAt(0, 'MZ'), (b) => b.length >= 64 && b.subarray(0, 64).includes(0)) },
  { label: 'a Linux executable (ELF)', extensions: ['exe', 'elf', 'so', 'bin', 'o', 'out'], test: bytesAt(0, 0x7f, 0x45, 0x4c, 0x46) },
  {
    label: 'a macOS executable (Mach-O)',
    extensions: ['exe', 'dylib', 'bundle', 'macho'],
    test: any(bytesAt(0, 0xfe, 0xed, 0xfa, 0xce), bytesAt(0, 0xfe, 0xed, 0xfa, 0xcf), bytesAt(0, 0xce, 0xfa, 0xed, 0xfe), bytesAt(0, 0xcf, 0xfa, 0xed, 0xfe)),
  },
  // CAFEBABE is both a Java class file and a universal (fat) Mach-O binary.
  { label: 'a Java class or universal macOS executable', extensions: ['class', 'exe', 'dylib'], test: bytesAt(0, 0xca, 0xfe, 0xba, 0xbe) },
  { label: 'a Windows shortcut', extensions: ['lnk'], test: bytesAt(0, 0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00) },
  { label: 'a Windows cabinet', extensions: ['cab'], test: asciiAt(0, 'MSCF') },
  { label: 'an OLE2 container (Office 97 document or Windows Installer package)', extensions: ['doc', 'xls', 'ppt', 'msg', 'vsd', 'pub', 'msi'], test: bytesAt(0, 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1) },
  {
    label: 'a ZIP archive',
    extensions: ['zip', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'odg', 'epub', 'jar', 'apk', 'xpi', 'vsix', 'appx', 'msix', 'ipa', 'kmz', 'nupkg', 'whl', 'cbz'],
    test: any(bytesAt(0, 0x50, 0x4b, 0x03, 0x04), bytesAt(0, 0x50, 0x4b, 0x05, 0x06), bytesAt(0, 0x50, 0x4b, 0x07, 0x08)),
  },
  { label: 'a PDF document', extensions: ['pdf', 'ai'], test: (b) => leadingText(b, 1024).includes('%pdf-') },
  { label: 'a PNG image', extensions: ['png', 'apng'], test: bytesAt(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) },
  { label: 'a JPEG image', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'], test: bytesAt(0, 0xff, 0xd8, 0xff) },
  { label: 'a GIF image', extensions: ['gif'], test: any(asciiAt(0, 'GIF87a'), asciiAt(0, 'GIF89a')) },
  { label: 'a WebP image', extensions: ['webp'], test: all(asciiAt(0, 'RIFF'), asciiAt(8, 'WEBP')) },
  { label: 'a WAV sound', extensions: ['wav'], test: all(asciiAt(0, 'RIFF'), asciiAt(8, 'WAVE')) },
  { label: 'an AVI video', extensions: ['avi'], test: all(asciiAt(0, 'RIFF'), asciiAt(8, 'AVI ')) },
  { label: 'a BMP image', extensions: ['bmp', 'dib'], test: all(asciiAt(0, 'BM'), bytesAt(6, 0, 0, 0, 0), (b) => b.length >= 26) },
  { label: 'a TIFF image', extensions: ['tif', 'tiff', 'dng', 'cr2', 'nef', 'arw'], test: any(bytesAt(0, 0x49, 0x49, 0x2a, 0x00), bytesAt(0, 0x4d, 0x4d, 0x00, 0x2a)) },
  { label: 'an ISO media file (MP4, MOV, HEIC)', extensions: ['mp4', 'm4a', 'm4v', 'mov', 'heic', 'heif', 'avif', '3gp', '3g2'], test: asciiAt(4, 'ftyp') },
  { label: 'an MP3 sound', extensions: ['mp3'], test: asciiAt(0, 'ID3') },
  { label: 'an Ogg stream', extensions: ['ogg', 'oga', 'ogv', 'opus', 'spx'], test: asciiAt(0, 'OggS') },
  { label: 'a FLAC sound', extensions: ['flac'], test: asciiAt(0, 'fLaC') },
  { label: 'a Matroska or WebM video', extensions: ['mkv', 'webm', 'mka', 'mk3d'], test: bytesAt(0, 0x1a, 0x45, 0xdf, 0xa3) },
  { label: 'a gzip archive', extensions: ['gz', 'tgz', 'gzip', 'svgz'], test: bytesAt(0, 0x1f, 0x8b, 0x08) },
  { label: 'a 7-Zip archive', extensions: ['7z'], test: bytesAt(0, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c) },
  { label: 'a RAR archive', extensions: ['rar'], test: bytesAt(0, 0x52, 0x61, 0x72, 0x21, 0x1a, 0x07) },
  { label: 'an RTF document', extensions: ['rtf', 'doc'], test: asciiAt(0, '{\\rtf') },
  { label: 'a script with an interpreter line', extensions: ['sh', 'bash', 'zsh', 'py', 'pl', 'rb', 'command'], test: asciiAt(0, '#!') },
  { label: 'an HTML page', extensions: ['html', 'htm', 'xhtml', 'shtml', 'hta'], test: (b) => /^(<!doctype html|<html[\s>])/.test(leadingText(b)) },
  { label: 'an SVG image', extensions: ['svg'], test: (b) => /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(leadingText(b, 1024)) },
];

/** What the leading bytes are, or undefined when nothing known matches (plain text, unknown formats). */
export function sniff(head: Uint8Array): Sniffed | undefined {
  const found = SIGNATURES.find((s) => s.test(head));
  return found && { label: found.label, extensions: [...found.extensions] };
}
