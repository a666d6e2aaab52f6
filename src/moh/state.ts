// This feature's part of the desired state (what the renderer works from): its types, and its
// keys of DesiredState, merged in by declaration so render/ and apply/ never import this file.
import '../render/state';

export interface MohClassState {
  name: string; // sb-moh-<id>
  directory: string; // absolute path of the class's files inside Asterisk's file system
  sort: 'random' | 'alpha'; // play order; alpha sorts by file name
  // The class's file names: listed in musiconhold.conf so a changed set of files changes the
  // file's bytes, which is what makes apply reload res_musiconhold (it rescans only on reload).
  files: string[];
}

declare module '../render/state' {
  interface DesiredState {
    mohClasses: MohClassState[];
  }
}
