/**
 * Model-folder completeness: the scan context, the ordered rules of one folder
 * (`folder/analyze.ts`), DeepSpeed and DCP folder checks, and header checks of a listed checkpoint.
 */
export { analyzeModelFolder } from "./folder/analyze.js";
export { listDir, type ScanContext, tryListDir, type VerifyLevel } from "./folder/context.js";
export { checkDcpEntries } from "./folder/dcp-entries.js";
export { analyzeDeepSpeed } from "./folder/deepspeed.js";
export type { FolderAnalysis } from "./folder/state.js";
export { verifyCheckpointHeaders } from "./folder/verify-headers.js";
