/**
 * The environment the shipped mapping.config.yaml reads for its connections. With none of it set,
 * `serve` runs in sandbox mode and the simulators answer it.
 */
export const CONNECTION_ENV = ["AFAS_BASE_URL", "AFAS_TOKEN", "ASPOS_URL", "ASPOS_CLIENT_ID", "ASPOS_CLIENT_SECRET"] as const;
