import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';

// A stored wav file for the browser's <audio>: played inline under `filename`, never cached
// (the file may be replaced under the same URL).
export async function sendWav(res: Response, path: string, filename: string): Promise<undefined> {
  const size = (await stat(path)).size;
  res.status(200).set({
    'content-type': 'audio/wav',
    'content-length': String(size),
    'cache-control': 'private, no-cache',
    'content-disposition': `inline; filename="${filename}"`,
  });
  await pipeline(createReadStream(path), res);
  return undefined;
}
