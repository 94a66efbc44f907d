// File contents for tests: the first bytes of real formats, as the sniffer sees them.

/** A minimal PE executable header: "MZ", e_lfanew at 0x3C pointing at "PE\0\0". */
export function windowsExecutable(size = 1024): Buffer {
  const b = Buffer.alloc(size);
  b.write('MZ', 0, 'latin1');
  b.writeUInt16LE(0x90, 2);
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

export function pdf(size = 2048): Buffer {
  const b = Buffer.alloc(size, 0x20);
  b.write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 0, 'latin1');
  return b;
}

export function png(size = 1024): Buffer {
  const b = Buffer.alloc(size);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  return b;
}

export function zip(size = 1024): Buffer {
  const b = Buffer.alloc(size);
  Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]).copy(b);
  return b;
}

export function text(content = 'Hello, this is a plain text note.\n', size = content.length): Buffer {
  return Buffer.from(content.repeat(Math.ceil(size / content.length)).slice(0, size), 'utf8');
}
