export { createReloader, type Reloader, type ReloaderOptions, type ReloadStatus } from "./reloader.ts";
export { loadInitialVersion, type InitialLoad, type InitialLoadOptions } from "./initial.ts";
export type { ReloadResult } from "./result.ts";
export { reloadSource, type ReloadSource } from "./source.ts";
export { checkCandidate, type CandidateOptions, type CheckedCandidate } from "./candidate.ts";
