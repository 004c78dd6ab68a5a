/** Why a payload could not be normalized: one line naming the event and the field at fault. */
export interface NormalizeError {
  readonly message: string;
}
