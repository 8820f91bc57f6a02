/** One entry of OrderMesh's validation error list (public-facts.md #4): `[{errorMessage, propertyName, attemptedValue}]`. */
export interface ValidationError {
  errorMessage: string;
  propertyName: string | null;
  attemptedValue: unknown;
}

/** Why the simulator refuses a request; the server writes it as the error body the variants ask for. */
export class SimRefusal extends Error {
  readonly status: number;
  readonly errors: ValidationError[];
  constructor(status: number, message: string, errors: ValidationError[] = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}
