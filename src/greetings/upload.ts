import type { Request, RequestHandler } from 'express';
import { adminUploads } from '../http/upload';
import { MAX_UPLOAD_BYTES } from './schema';
import { tooLarge } from './service';

// The greeting routes' multipart bodies: POST and PUT under /api/v1/greetings and /greetings.
export function greetingUploads(): RequestHandler {
  return adminUploads({
    methods: ['POST', 'PUT'],
    paths: /^\/(api\/v1\/)?greetings(\/|$)/,
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 8 * 1024, parts: 25 },
    tooLarge,
  });
}

export function uploadedFile(req: Request): Buffer | null {
  return req.file?.buffer ?? null;
}
