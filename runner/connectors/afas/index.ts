/** AFAS Profit REST connector (DESIGN.md §6, reference/afas-profit-rest.md). */
export { createAfasConnector } from "./connector.ts";
export type { AfasConnector, AfasConnectorOptions } from "./connector.ts";
export type { AfasConnectionConfig } from "./config.ts";
export { resolveBaseUrl, authorizationHeader, clampParallel } from "./config.ts";
export { OPERATOR } from "./filters.ts";
export { readMetainfo, readGetMetainfo, readUpdateMetainfo } from "./metainfo.ts";
export { afasDoctor } from "./doctor.ts";
export type { DoctorFinding } from "./doctor.ts";
export { updateMetainfoToSchema, getMetainfoToSchema, mergeProse } from "./schemagen.ts";
