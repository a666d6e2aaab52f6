import { z } from 'zod';
import { RowId } from '../http/parse';
import { displayName } from '../lib/names';

// Uploads above this are refused before any conversion runs.
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
// Longer tracks are cut: hold music loops, an hour-long file only fills the disk.
export const MAX_TRACK_SECONDS = 900;
export const MAX_FILES_PER_CLASS = 50;
export const MAX_CLASSES = 100;

export const SORTS = ['random', 'alpha'] as const;

// Shown to admins only; Asterisk knows the class as sb-moh-<id>, so nothing typed here reaches
// a config file or a path.
export const MohName = displayName();

export const CreateMohClass = z.strictObject({
  name: MohName,
  sort: z.enum(SORTS).default('random'),
});
export type CreateMohClassInput = z.infer<typeof CreateMohClass>;

export const UpdateMohClass = z.strictObject({
  name: MohName.optional(),
  sort: z.enum(SORTS).optional(),
});
export type UpdateMohClassInput = z.infer<typeof UpdateMohClass>;

// The multipart fields next to the audio in `file`; without a name the upload's own file name
// (minus its extension) is used, and must pass the same check.
export const UploadFields = z.strictObject({ name: MohName.optional() });

export const MohParams = z.strictObject({ id: RowId });
export const MohFileParams = z.strictObject({ id: RowId, fileId: RowId });

export function className(id: number): string {
  return `sb-moh-${id}`;
}
