import { Validation } from "../problem.ts";
import { toAmsterdamMidnight } from "../time.ts";
import type { Address } from "../types.ts";

/** Omits undefined and null properties: the API never sends null. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Enums arrive in any case and are stored in the canonical PascalCase spelling. */
export function canonicalEnum<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== "string") return undefined;
  return allowed.find((a) => a.toLowerCase() === value.toLowerCase());
}

/** Reads typed fields from a request body, recording a message per bad field instead of stopping. */
export class BodyReader {
  constructor(
    readonly body: Record<string, unknown>,
    readonly v: Validation,
    private readonly prefix = "",
  ) {}

  private path(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }

  has(key: string): boolean {
    return this.body[key] !== undefined && this.body[key] !== null;
  }

  string(key: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (opts.required) this.v.add(this.path(key), `The ${key} field is required.`);
      return undefined;
    }
    if (typeof value !== "string") return this.bad(key, "must be a string");
    if (opts.required && value.trim() === "") return this.bad(key, "must not be empty");
    if (opts.max !== undefined && value.length > opts.max) return this.bad(key, `must be at most ${opts.max} characters`);
    return value;
  }

  number(key: string, opts: { required?: boolean; integer?: boolean; positive?: boolean } = {}): number | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (opts.required) this.v.add(this.path(key), `The ${key} field is required.`);
      return undefined;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) return this.bad(key, "must be a number");
    if (opts.integer && !Number.isInteger(value)) return this.bad(key, "must be a whole number");
    if (opts.positive && value <= 0) return this.bad(key, "must be greater than zero");
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") return this.bad(key, "must be true or false");
    return value;
  }

  enumOf<T extends string>(key: string, allowed: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (opts.required) this.v.add(this.path(key), `The ${key} field is required.`);
      return undefined;
    }
    return canonicalEnum(value, allowed) ?? this.bad(key, `must be one of ${allowed.join(", ")}`);
  }

  /** Date-only: `YYYY-MM-DD` or an instant; stored as Amsterdam midnight in UTC. */
  date(key: string): string | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    return toAmsterdamMidnight(value) ?? this.bad(key, "must be a date (YYYY-MM-DD) or an ISO 8601 instant");
  }

  instant(key: string): string | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    return Number.isNaN(ms) || !/T/.test(value) ? this.bad(key, "must be an ISO 8601 instant") : new Date(ms).toISOString();
  }

  object(key: string, opts: { required?: boolean } = {}): BodyReader | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (opts.required) this.v.add(this.path(key), `The ${key} field is required.`);
      return undefined;
    }
    if (!isObject(value)) return this.bad(key, "must be an object");
    return new BodyReader(value, this.v, this.path(key));
  }

  array(key: string, opts: { required?: boolean; min?: number; max?: number } = {}): BodyReader[] | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (opts.required) this.v.add(this.path(key), `The ${key} field is required.`);
      return undefined;
    }
    if (!Array.isArray(value)) return this.bad(key, "must be an array");
    if (opts.min !== undefined && value.length < opts.min) return this.bad(key, `must hold at least ${opts.min} item(s)`);
    if (opts.max !== undefined && value.length > opts.max) return this.bad(key, `must hold at most ${opts.max} items`);
    const readers: BodyReader[] = [];
    value.forEach((item, i) => {
      const path = `${this.path(key)}[${i}]`;
      if (isObject(item)) readers.push(new BodyReader(item, this.v, path));
      else this.v.add(path, "must be an object");
    });
    return readers;
  }

  address(key: string, opts: { required?: boolean } = {}): Address | undefined {
    const r = this.object(key, opts);
    if (!r) return undefined;
    const country = r.string("countryCode");
    if (country !== undefined && !/^[A-Za-z]{2}$/.test(country)) r.bad("countryCode", "must be an ISO 3166-1 alpha-2 code");
    return compact({
      name: r.string("name", { max: 100 }),
      street: r.string("street", { max: 100 }),
      houseNumber: r.string("houseNumber", { max: 20 }),
      houseNumberAddition: r.string("houseNumberAddition", { max: 20 }),
      postalCode: r.string("postalCode", { max: 20 }),
      city: r.string("city", { max: 100 }),
      countryCode: country?.toUpperCase(),
    });
  }

  bad(key: string, message: string): undefined {
    this.v.add(this.path(key), `The ${key} field ${message}.`);
    return undefined;
  }
}
