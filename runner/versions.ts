import type { Project } from "../engine/config/load.ts";

/** One loaded, validated, tested mapping version. */
export interface MappingVersion {
  /** Git SHA, or a content hash for a watched directory. */
  readonly sha: string;
  readonly project: Project;
  readonly activatedAt: number;
}

/**
 * The versions a runner can execute. Events record the SHA active when they were accepted, and the
 * worker runs them on that version even after a reload swapped in a newer one.
 */
export interface VersionRegistry {
  current(): MappingVersion;
  get(sha: string): MappingVersion | undefined;
  /** Make `version` current; older ones stay available for in-flight and replayed runs. */
  activate(version: MappingVersion): void;
}

export function createVersionRegistry(initial: MappingVersion, keep = 20): VersionRegistry {
  const versions = new Map<string, MappingVersion>([[initial.sha, initial]]);
  let active = initial;
  return {
    current: () => active,
    get: (sha) => versions.get(sha),
    activate(version) {
      versions.delete(version.sha);
      versions.set(version.sha, version);
      active = version;
      // Old versions are only needed while their events drain; keep a bounded history.
      while (versions.size > keep) {
        const oldest = versions.keys().next().value as string;
        if (oldest === active.sha) break;
        versions.delete(oldest);
      }
    },
  };
}
