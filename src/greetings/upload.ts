import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { ValidationError } from '../http/errors';
import { MAX_UPLOAD_BYTES } from './schema';
import { tooLarge } from './service';

const GREETING_PATHS = /^\/(api\/v1\/)?greetings(\/|$)/;

const parser = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 8 * 1024, parts: 25 },
}).single('file');

// Multipart bodies of the greeting routes, parsed after authentication and before the CSRF check
// (which needs the form's _csrf field). Only admins get their uploads read at all; the file stays
// in memory (≤ MAX_UPLOAD_BYTES) and is never written under the name the client gave it.
export function greetingUploads(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (
      (req.method !== 'POST' && req.method !== 'PUT') ||
      !GREETING_PATHS.test(req.path) ||
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

export function uploadedFile(req: Request): Buffer | null {
  return req.file?.buffer ?? null;
}
