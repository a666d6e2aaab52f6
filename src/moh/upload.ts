import type { Request, RequestHandler } from 'express';
import { adminUploads } from '../http/upload';
import { MAX_UPLOAD_BYTES } from './schema';
import { tooLarge } from './service';

// Only the file-upload paths: POST /api/v1/moh/<id>/files and the page form /moh/<id>/files.
export function mohUploads(): RequestHandler {
  return adminUploads({
    methods: ['POST'],
    paths: /^\/(api\/v1\/)?moh\/[^/]+\/files\/?$/,
    // The client's file name as sent, folders included, so a name like ../x.wav is refused rather
    // than quietly cut down to x.wav.
    preservePath: true,
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 8 },
    tooLarge,
  });
}

export function uploadedTrack(req: Request): { data: Buffer; originalName: string } | null {
  if (!req.file) return null;
  // multer decodes the part's filename as latin1; browsers send UTF-8.
  return {
    data: req.file.buffer,
    originalName: Buffer.from(req.file.originalname, 'latin1').toString('utf8'),
  };
}
