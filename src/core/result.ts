/** Expected outcomes are values, not exceptions. Throw only for programmer errors. */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** A validation problem located at a path inside a document (`rules[0].on[1]`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the source text, when parsed from text. */
  readonly line?: number;
  readonly column?: number;
}
