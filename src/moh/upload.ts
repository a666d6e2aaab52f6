import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { ValidationError } from '../http/errors';
import { MAX_UPLOAD_BYTES } from './schema';
import { tooLarge } from './service';

// Only the file-upload paths: POST /api/v1/moh/<id>/files and the page form /moh/<id>/files.
const UPLOAD_PATHS = /^\/(api\/v1\/)?moh\/[^/]+\/files\/?$/;

const parser = multer({
  storage: multer.memoryStorage(),
  // The client's file name as sent, folders included, so a name like ../x.wav is refused rather
  // than quietly cut down to x.wav.
  preservePath: true,
  limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 8 },
}).single('file');

// Multipart bodies of the upload routes, parsed after authentication and before the CSRF check
// (which needs the form's _csrf field). Only admins get their uploads read at all; the file stays
// in memory and is never written under the name the client gave it.
export function mohUploads(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (
      req.method !== 'POST' ||
      !UPLOAD_PATHS.test(req.path) ||
      !req.is('multipart/form-data') ||
      req.auth?.user.role !== 'admin'
    ) {
      next();
      return;
    }
    parser(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') return next(tooLarge());
        return next(new ValidationError([{ path: err.field ?? 'file', message: err.message }], 'bad upload'));
      }
      next(new ValidationError([{ path: '(body)', message: 'the multipart body could not be read' }]));
    });
  };
}

export function uploadedTrack(req: Request): { data: Buffer; originalName: string } | null {
  if (!req.file) return null;
  // multer decodes the part's filename as latin1; browsers send UTF-8.
  return {
    data: req.file.buffer,
    originalName: Buffer.from(req.file.originalname, 'latin1').toString('utf8'),
  };
}
