import { randomBytes } from "node:crypto";

/** W3C traceparent form, as ASP.NET puts it in problem bodies. */
export function traceId(): string {
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
}

/**
 * An RFC 7807 answer with the contract's machine `code`. Thrown from handlers; the app's error
 * hook renders it, so validation code can bail out from any depth.
 */
export class Problem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.extra = extra;
    this.headers = headers;
  }

  toResponse(): Response {
    const body = {
      type: "about:blank",
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      traceId: traceId(),
      ...this.extra,
    };
    return new Response(JSON.stringify(body), {
      status: this.status,
      headers: { "content-type": "application/problem+json; charset=utf-8", ...this.headers },
    });
  }
}

export type FieldErrors = Record<string, string[]>;

/** Gathers field messages so one 400 names every problem at once, as ValidationProblemDetails does. */
export class Validation {
  readonly errors: FieldErrors = {};

  add(path: string, message: string): void {
    (this.errors[path] ??= []).push(message);
  }

  get failed(): boolean {
    return Object.keys(this.errors).length > 0;
  }

  throwIfFailed(): void {
    if (this.failed) throw validationFailed(this.errors);
  }
}

export function validationFailed(errors: FieldErrors): Problem {
  const count = Object.keys(errors).length;
  return new Problem(400, "ValidationFailed", "One or more validation errors occurred.",
    `${count} field${count === 1 ? "" : "s"} failed validation.`, { errors });
}

export function notFound(what: string): Problem {
  return new Problem(404, "NotFound", "The resource does not exist.", `${what} does not exist.`);
}

export function invalidQuery(detail: string): Problem {
  return new Problem(400, "InvalidQuery", "The query is not valid.", detail);
}
