/**
 * What `import … from "koppel"` offers a script or a host application: the command line as a
 * function, the runner to embed, loading a mapping project, and the error classes it reports with.
 */
export { main, EXIT } from "./cli.ts";
export { loadFromCli as loadMappings, type Loaded } from "./cli/load.ts";
export { startRuntime, type Runtime, type RuntimeOptions } from "./serve/runtime.ts";
export { ConfigError, DataError, InternalError, KoppelError, OperatorError, UpstreamError, ERROR_CODES, type ErrorCode } from "../common/errors.ts";
