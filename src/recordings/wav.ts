import { open } from 'node:fs/promises';

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataBytes: number;
  durationSeconds: number;
}

// Reads a RIFF/WAVE file's fmt and data chunk headers. Asterisk writes the sizes when it closes
// the file, so a data size of 0 on a longer file means "still open" and is reported as is.
export async function readWavInfo(path: string): Promise<WavInfo | null> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const buf = head.subarray(0, bytesRead);
    if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
      return null;
    let pos = 12;
    let fmt: { sampleRate: number; channels: number; bitsPerSample: number; byteRate: number } | null = null;
    while (pos + 8 <= buf.length) {
      const id = buf.toString('ascii', pos, pos + 4);
      const size = buf.readUInt32LE(pos + 4);
      if (id === 'fmt ' && pos + 24 <= buf.length) {
        fmt = {
          channels: buf.readUInt16LE(pos + 10),
          sampleRate: buf.readUInt32LE(pos + 12),
          byteRate: buf.readUInt32LE(pos + 16),
          bitsPerSample: buf.readUInt16LE(pos + 22),
        };
      } else if (id === 'data') {
        if (!fmt || fmt.byteRate === 0) return null;
        return {
          sampleRate: fmt.sampleRate,
          channels: fmt.channels,
          bitsPerSample: fmt.bitsPerSample,
          dataBytes: size,
          durationSeconds: size / fmt.byteRate,
        };
      }
      pos += 8 + size + (size % 2);
    }
    return null;
  } finally {
    await fh.close();
  }
}
