/**
 * File integrity per format: safetensors headers, shard indexes, torch zip archives, sha256
 * manifests, and the registry of deep checks that validation runs over a checkpoint's files.
 */
export {
  type DeepCheckKind,
  type DeepFile,
  deepCheckFor,
  ZIP_SUFFIXES,
} from "./integrity/deep.js";
export {
  buildManifest,
  type HashedManifest,
  MANIFEST_NAME,
  type Manifest,
  type ManifestEntry,
  manifestEntrySchema,
  manifestSchema,
  sha256File,
  verifyManifest,
} from "./integrity/manifest.js";
export {
  checkSafetensors,
  SAFETENSORS_DTYPE_BITS,
  type SafetensorsReport,
  type SafetensorsTensor,
} from "./integrity/safetensors.js";
export { parseShardIndex } from "./integrity/shard-index.js";
export { checkTorchZip, type ZipReport } from "./integrity/torch-zip.js";
