import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { ValidationError } from './errors';

export interface UploadRoutes {
  // The methods and paths (page form and API alike) whose multipart bodies are read.
  methods: readonly string[];
  paths: RegExp;
  limits: multer.Options['limits'];
  // Keep the client's file name as sent, folders included (so that ../x.wav can be refused).
  preservePath?: boolean;
  // The error for a file over limits.fileSize.
  tooLarge: () => Error;
}

// Multipart bodies with one file (field "file") of the given routes, parsed after authentication
// and before the CSRF check (which needs the form's _csrf field). Only admins get their uploads
// read at all; the file stays in memory (≤ limits.fileSize) and is never written under the name
// the client gave it.
export function adminUploads(routes: UploadRoutes): RequestHandler {
  const parser = multer({
    storage: multer.memoryStorage(),
    ...(routes.preservePath ? { preservePath: true } : {}),
    limits: routes.limits,
  }).single('file');
  return (req: Request, res: Response, next: NextFunction) => {
    if (
      !routes.methods.includes(req.method) ||
      !routes.paths.test(req.path) ||
      !req.is('multipart/form-data') ||
      req.auth?.user.role !== 'admin'
    ) {
      next();
      return;
    }
    parser(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') return next(routes.tooLarge());
        return next(new ValidationError([{ path: err.field ?? 'file', message: err.message }], 'bad upload'));
      }
      next(new ValidationError([{ path: '(body)', message: 'the multipart body could not be read' }]));
    });
  };
}
